/**
 * The adaptive pool's one decision (`max_running: {min, max, …}`), as a pure function of what
 * the daemon saw at a host sample: the slots now, the pool's bounds and targets, how many tasks
 * wait for a slot and hold one, the host's CPU and memory use, and the last change. Table-tested.
 *
 * ```
 *  outside [min, max] (a reload moved them) ─────────────────────────► clamp, at once
 *  host over a target ── cooled down? ───────────────────────────────► min(slots, holding) - 1
 *  tasks wait, slots full, under both targets, not just stepped down ► + min(waiting, slots, max - slots)
 *  nothing waited for a whole cool-down ─────────────────────────────► max(min, holding)
 * ```
 *
 * Up doubles at most per sample (a host sample lags what new tasks will use); down only after a
 * cool-down since the last change, so a pool does not flap (Celery's autoscaler waits 30 s).
 */
import {configDuration} from './durations.js';
import type {AdaptiveSlots, Millis} from './model.js';

export type PoolInput = {
	slots: number;
	pool: AdaptiveSlots;
	/** Tasks queued for a slot (not for a dependency). */
	waiting: number;
	/** Tasks holding a slot. */
	holding: number;
	/** Host CPU busy, percent of every CPU, since the last sample; null before a second sample. */
	cpuPercent: number | null;
	/** Host memory in use, percent of the total; null when unknown. */
	memoryPercent: number | null;
	/** The last change: when, and whether it was up. Null: none yet. */
	last: {at: Millis; up: boolean} | null;
	/** The last sample at which tasks waited for a slot; null: never. */
	lastWaited: Millis | null;
	now: Millis;
};

/** A new slot count and why; null: keep the slots as they are. */
export type PoolStep = {slots: number; reason: string} | null;

const percent = (value: number): string => `${Math.round(value)}%`;

/** What makes the host saturated, in words; null when it is under both targets. */
function saturation({cpuPercent, memoryPercent, pool}: PoolInput): string | null {
	if (cpuPercent !== null && cpuPercent > pool.cpuTargetPercent) {
		return `host CPU ${percent(cpuPercent)} busy, over the target ${percent(pool.cpuTargetPercent)}`;
	}

	if (memoryPercent !== null && memoryPercent > pool.memoryTargetPercent) {
		return `host memory ${percent(memoryPercent)} used, over the target ${percent(pool.memoryTargetPercent)}`;
	}

	return null;
}

export function nextSlots(input: PoolInput): PoolStep {
	const {slots, pool, waiting, holding, cpuPercent, memoryPercent, last, lastWaited, now} = input;
	if (slots < pool.min || slots > pool.max) {
		const bounded = Math.min(pool.max, Math.max(pool.min, slots));
		return {slots: bounded, reason: `the pool is ${pool.min} to ${pool.max} slots`};
	}

	const cooled = last === null || now - last.at >= pool.cooldownMs;
	const saturated = saturation(input);
	if (saturated !== null) {
		const lower = Math.max(pool.min, Math.min(slots, holding) - 1);
		return lower < slots && cooled ? {slots: lower, reason: saturated} : null;
	}

	// Unknown use is no headroom: nothing is added before the host has been measured.
	const measured = cpuPercent !== null && memoryPercent !== null;
	if (waiting > 0 && holding >= slots && slots < pool.max && measured && (cooled || last?.up === true)) {
		const more = Math.min(waiting, slots, pool.max - slots);
		const use = `CPU ${percent(cpuPercent)}, memory ${percent(memoryPercent)}`;
		return {slots: slots + more, reason: `${waiting} waiting for a slot; host ${use} within the targets`};
	}

	const idle = lastWaited === null || now - lastWaited >= pool.cooldownMs;
	const enough = Math.max(pool.min, holding);
	if (waiting === 0 && enough < slots && cooled && idle) {
		return {slots: enough, reason: `nothing waited for a slot for ${configDuration(pool.cooldownMs)}; ${holding} holding one`};
	}

	return null;
}
