/**
 * Requests and capacity in the config: a program's `requires: {memory, cpu}`, the daemon's
 * `capacity: {memory, cpu}` (a size or CPU count, or a percent of this host; the whole host by
 * default), and the check that each program's requests fit the whole capacity: a task that
 * never fits would wait in the queue for ever, so such a file is refused.
 */
import os from 'node:os';
import {amountText, shortOf} from '../capacity.js';
import {err, ok} from '../errors.js';
import type {Requests, ResourceCapacity} from '../model.js';
import {programDefaults} from './defaults.js';
import {describe} from './describe.js';
import type {ProgramDraft} from './program.js';
import type {Parser} from './scalars.js';
import {readField, readMap, report, type Ctx, type Field} from './tree.js';
import {parseSize} from './units.js';

/** What the machine has: the capacity's default and what its percents are of. */
export type HostSize = {memory: number; cpus: number};

export function thisHost(): HostSize {
	return {memory: os.totalmem(), cpus: os.availableParallelism()};
}

const resourceKeys = ['memory', 'cpu'] as const;

/** CPUs as a number ≥ 0 (0.5 is half of one), or above 0 with `above`. */
function cpus(above: boolean): Parser<number> {
	return (value) => {
		const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
		return typeof parsed === 'number' && Number.isFinite(parsed) && (above ? parsed > 0 : parsed >= 0)
			? ok(parsed)
			: err(`expected a number of CPUs like 1.5 or 0.25, got ${describe(value)}`);
	};
}

/** `requires: {memory: 2G, cpu: 1.5}`, each key optional; its fields, for the capacity check. */
export function readRequires(ctx: Ctx, field: Field | undefined): {requires: Requests; fields: Map<string, Field> | null} {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, resourceKeys);
	const none = programDefaults.requires;
	return {
		requires: {
			memory: readField(ctx, fields?.get('memory'), parseSize) ?? none.memory,
			cpu: readField(ctx, fields?.get('cpu'), cpus(false)) ?? none.cpu,
		},
		fields,
	};
}

/** A percent of the host (`80%`, more than 0, at most 100) or an amount (`parse`) above 0. */
function amountOrPercent(whole: number, parse: Parser<number>, example: string): Parser<number> {
	return (value) => {
		const text = typeof value === 'string' ? value.trim() : null;
		if (text?.endsWith('%')) {
			const percent = Number(text.slice(0, -1));
			return /^\d+(?:\.\d+)?%$/.test(text) && percent > 0 && percent <= 100
				? ok((whole * percent) / 100)
				: err(`expected a percent of this host above 0% and at most 100%, like 80%, got ${describe(value)}`);
		}

		const amount = parse(value);
		if (!amount.ok || amount.value <= 0) {
			return err(`expected ${example}, got ${describe(value)}`);
		}

		return amount;
	};
}

/** `capacity: {memory: 80% | 12G, cpu: 4 | 50%}`: each key absent is the whole host's. */
export function readCapacity(ctx: Ctx, field: Field | undefined, host: HostSize): ResourceCapacity {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, resourceKeys);
	const memory = readField(ctx, fields?.get('memory'), amountOrPercent(host.memory, parseSize, 'a size like 12G or a percent of this host\'s memory like 80%'));
	const cpu = readField(ctx, fields?.get('cpu'), amountOrPercent(host.cpus, cpus(true), 'a number of CPUs like 4 or a percent of this host\'s like 50%'));
	return {memory: Math.floor(memory ?? host.memory), cpu: cpu ?? host.cpus};
}

/** Every program's requests fit the whole capacity: one that does not could never start. */
export function checkRequests(ctx: Ctx, drafts: readonly ProgramDraft[], capacity: ResourceCapacity): void {
	for (const draft of drafts) {
		const {requires} = draft.spec;
		for (const key of shortOf(requires, capacity)) {
			const field = draft.requires?.get(key);
			if (field !== undefined) {
				const whole = amountText(key, capacity[key] ?? 0);
				const fix = `lower it, or raise taskmaster.capacity.${key} (${key === 'memory' ? "the host's total memory" : "the host's CPU count"} when not set)`;
				report(ctx, field.value ?? field.key, field.path, `asks for ${amountText(key, requires[key])}, more than the whole capacity (${whole}): ${draft.spec.name} could never start; ${fix}`);
			}
		}
	}
}
