/**
 * The program keys that are small maps merged over defaults: backoff, log and stuck; and
 * `max_restarts`, whose two keys are both needed.
 */
import type {BackoffSpec, LogSpec, RestartLimit, StuckSpec} from '../model.js';
import {backoffDefaults, logDefaults, stuckDefaults} from './defaults.js';
import {integer, number, parseBoolean} from './scalars.js';
import {childPath, readField, readMap, report, reportValue, valueOf, type Ctx, type Field} from './tree.js';
import {parseDuration, parsePercent, parseSize} from './units.js';

const backoffKeys = ['initial', 'factor', 'max', 'jitter', 'reset_after'] as const;
const logKeys = ['max_size', 'backups', 'timestamps'] as const;
const stuckKeys = ['cpu_below', 'for'] as const;
const restartLimitKeys = ['count', 'within'] as const;

/** `backoff: {initial, factor, max, jitter, reset_after}`, each key optional. */
export function readBackoff(ctx: Ctx, field: Field | undefined): BackoffSpec {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, backoffKeys);
	if (fields === null) {
		return {...backoffDefaults};
	}

	const spec: BackoffSpec = {
		initialMs: readField(ctx, fields.get('initial'), parseDuration) ?? backoffDefaults.initialMs,
		factor: readField(ctx, fields.get('factor'), number(1)) ?? backoffDefaults.factor,
		maxMs: readField(ctx, fields.get('max'), parseDuration) ?? backoffDefaults.maxMs,
		jitter: readField(ctx, fields.get('jitter'), number(0, 1)) ?? backoffDefaults.jitter,
		resetAfterMs: readField(ctx, fields.get('reset_after'), parseDuration) ?? backoffDefaults.resetAfterMs,
	};
	const initial = fields.get('initial');
	const max = fields.get('max');
	if (spec.maxMs < spec.initialMs && max !== undefined) {
		reportValue(ctx, max, `is less than initial (${spec.initialMs} ms)`);
	} else if (spec.maxMs < spec.initialMs && initial !== undefined) {
		reportValue(ctx, initial, `is more than max (${spec.maxMs} ms)`);
	}

	return spec;
}

/** `log: {max_size, backups, timestamps}`, each key optional; `max_size: 0` never rotates. */
export function readLog(ctx: Ctx, field: Field | undefined): LogSpec {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, logKeys);
	return {
		maxSize: readField(ctx, fields?.get('max_size'), parseSize) ?? logDefaults.maxSize,
		backups: readField(ctx, fields?.get('backups'), integer(0)) ?? logDefaults.backups,
		timestamps: readField(ctx, fields?.get('timestamps'), parseBoolean) ?? logDefaults.timestamps,
	};
}

/** `stuck: {cpu_below, for}`, or null when absent or empty; missing keys take the defaults. */
export function readStuck(ctx: Ctx, field: Field | undefined): StuckSpec | null {
	const fields = field === undefined || valueOf(ctx, field.value) === null ? null : readMap(ctx, field.value, field.path, stuckKeys);
	if (fields === null) {
		return null;
	}

	return {
		cpuBelowPercent: readField(ctx, fields.get('cpu_below'), parsePercent) ?? stuckDefaults.cpuBelowPercent,
		forMs: readField(ctx, fields.get('for'), parseDuration) ?? stuckDefaults.forMs,
	};
}

/** `max_restarts: {count, within}`, or null when absent or empty (no limit). */
export function readMaxRestarts(ctx: Ctx, field: Field | undefined): RestartLimit | null {
	const fields = field === undefined || valueOf(ctx, field.value) === null ? null : readMap(ctx, field.value, field.path, restartLimitKeys);
	if (field === undefined || fields === null) {
		return null;
	}

	const example = 'e.g. max_restarts: {count: 10, within: 5m}';
	const missing = restartLimitKeys.filter(key => !fields.has(key));
	for (const key of missing) {
		const what = key === 'count' ? 'how many automatic restarts are allowed' : 'the window they are counted in';
		report(ctx, field.key, childPath(field.path, key), `missing: ${what}, ${example}`);
	}

	const count = readField(ctx, fields.get('count'), integer(1));
	const within = readField(ctx, fields.get('within'), parseDuration);
	const withinField = fields.get('within');
	if (within === 0 && withinField !== undefined) {
		reportValue(ctx, withinField, `must be longer than 0 (${example}; leave max_restarts out for no limit)`);
	}

	return count === undefined || within === undefined || within === 0 ? null : {count, withinMs: within};
}
