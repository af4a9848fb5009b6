/**
 * `taskmaster.max_running`: a number of slots (`8`), nothing (no limit), or an adaptive pool
 * (`{min: 2, max: 16, cpu_target: 85%, memory_target: 90%, cooldown: 30s}`, only `min` and
 * `max` required) whose slot count tm moves between its bounds (core/slots.ts).
 */
import {err} from '../errors.js';
import type {MaxRunning} from '../model.js';
import {adaptiveDefaults} from './defaults.js';
import {describe} from './describe.js';
import {integer, nullable, type Parser} from './scalars.js';
import {childPath, readField, readMap, report, reportValue, valueOf, type Ctx, type Field} from './tree.js';
import {parseDuration, parsePercent} from './units.js';

export const adaptiveKeys = ['min', 'max', 'cpu_target', 'memory_target', 'cooldown'] as const;

const example = 'e.g. max_running: {min: 2, max: 16}';

/** A target between 1% and 100%: 0 would never add a slot, more than 100 never take one away. */
function target(value: unknown): ReturnType<typeof parsePercent> {
	const parsed = parsePercent(value);
	return parsed.ok && (parsed.value < 1 || parsed.value > 100) ? err(`expected a percentage from 1% to 100%, got ${describe(value)}`) : parsed;
}

/** A number of slots; what else it may be is said too. */
const slots: Parser<number | null> = value => {
	const parsed = nullable(integer(1))(value);
	return parsed.ok ? parsed : err(`expected a number of slots of at least 1, or an adaptive pool (${example}), got ${describe(value)}`);
};

export function readMaxRunning(ctx: Ctx, field: Field | undefined): MaxRunning {
	const value = field === undefined ? null : valueOf(ctx, field.value);
	if (field === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
		return readField(ctx, field, slots) ?? null;
	}

	const fields = readMap(ctx, field.value, field.path, adaptiveKeys);
	if (fields === null) {
		return null;
	}

	for (const key of ['min', 'max'] as const) {
		if (!fields.has(key)) {
			report(ctx, field.key, childPath(field.path, key), `missing: the ${key === 'min' ? 'fewest' : 'most'} slots the pool may have, ${example}`);
		}
	}

	const min = readField(ctx, fields.get('min'), integer(1));
	const max = readField(ctx, fields.get('max'), integer(1));
	const maxField = fields.get('max');
	if (min !== undefined && max !== undefined && max < min && maxField !== undefined) {
		reportValue(ctx, maxField, `must be at least min (${min}), ${example}`);
	}

	const d = adaptiveDefaults;
	const pool = {
		cpuTargetPercent: readField(ctx, fields.get('cpu_target'), target) ?? d.cpuTargetPercent,
		memoryTargetPercent: readField(ctx, fields.get('memory_target'), target) ?? d.memoryTargetPercent,
		cooldownMs: readField(ctx, fields.get('cooldown'), parseDuration) ?? d.cooldownMs,
	};
	return min === undefined || max === undefined || max < min ? null : {min, max, ...pool};
}
