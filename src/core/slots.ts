/**
 * How many tasks may hold a slot now: the one owner of that number. It is `max_running` as
 * written; or `tm scale --slots N` over it (kept, with the value it overrode, until the config's
 * `max_running` changes); or, for an adaptive pool (`max_running: {min, max, …}`), what the
 * pool's decision (adaptive-pool.ts) made of each host sample, starting at `min`. Every change
 * is told to the listeners (the engine's queue, the daemon's event and log).
 */
import {nextSlots} from './adaptive-pool.js';
import type {Clock} from './clock.js';
import {TmError} from './errors.js';
import type {HostDoc, SlotsDoc} from './ipc/methods.js';
import type {AdaptiveSlots, MaxRunning, Millis, TaskRecord} from './model.js';
import {slotStates} from './scheduler.js';

/** `tm scale --slots N`, with the `max_running` it overrode (kept in tm.db). */
export type SlotsOverride = {count: number; configured: number | null};

/** A change of the slots: by `tm scale --slots` (requested), a config (config), the adaptive pool (capacity). */
export type SlotChange = {from: number | null; to: number | null; reason: string; cause: 'requested' | 'config' | 'capacity'};

/** What a host sample tells the pool. */
export type PoolSample = {waiting: number; holding: number; cpuPercent: number | null; memoryPercent: number | null};

/** Tasks holding a slot, and those queued for one (not for a dependency, descriptors…). */
export function slotUse(tasks: Iterable<{record: TaskRecord}>): {holding: number; waiting: number} {
	let holding = 0;
	let waiting = 0;
	for (const {record} of tasks) {
		if (slotStates.has(record.state.kind)) {
			holding++;
		} else if (record.state.kind === 'queued' && record.cause === 'capacity') {
			waiting++;
		}
	}

	return {holding, waiting};
}

/** What a host sample tells the pool, with the tasks as they are. */
export function poolSample(tasks: Iterable<{record: TaskRecord}>, host: HostDoc): PoolSample {
	const memoryPercent = host.memoryTotal > 0 ? ((host.memoryTotal - host.memoryFree) / host.memoryTotal) * 100 : null;
	return {...slotUse(tasks), cpuPercent: host.cpuBusy ?? null, memoryPercent};
}

export const isAdaptive = (value: MaxRunning): value is AdaptiveSlots => typeof value === 'object' && value !== null;

/** The slots a `max_running` gives before anything moved them: the number, or the pool's `min`. */
export function initialSlots(value: MaxRunning): number | null {
	return isAdaptive(value) ? value.min : value;
}

export class Slots {
	readonly #clock: Clock;
	#configured: MaxRunning;
	#override: SlotsOverride | null = null;
	#pool: number | null;
	/** The pool's last step, for its cool-down. */
	#last: {at: Millis; up: boolean} | null = null;
	/** The last change of any kind, for `status`. */
	#lastChange: {at: Millis; reason: string} | null = null;
	#lastWaited: Millis | null = null;
	readonly #listeners = new Set<(change: SlotChange) => void>();

	constructor(configured: MaxRunning, clock: Clock) {
		this.#configured = configured;
		this.#clock = clock;
		this.#pool = isAdaptive(configured) ? configured.min : null;
	}

	/** Whether max_running is an adaptive pool (it reads the host at every sample). */
	get adaptive(): boolean {
		return isAdaptive(this.#configured);
	}

	/** Tasks that may hold a slot now; null: no limit. */
	get current(): number | null {
		return this.#override?.count ?? (isAdaptive(this.#configured) ? this.#pool : this.#configured);
	}

	/** `tm scale --slots` in effect, or null (what tm.db keeps). */
	get override(): SlotsOverride | null {
		return this.#override;
	}

	/** Told of every change of {@link current}. */
	watch(listener: (change: SlotChange) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/**
	 * What `tm scale --slots N` would keep (null: N is the config's own value). Refused for an
	 * adaptive pool, which would undo it at its next sample.
	 */
	overrideFor(count: number): SlotsOverride | null {
		const configured = this.#configured;
		if (isAdaptive(configured)) {
			throw new TmError(
				'E_USAGE',
				`max_running is an adaptive pool (${configured.min} to ${configured.max} slots, ${this.current} now): tm moves it itself; change min and max in the config and tm reload`,
			);
		}

		return count === configured ? null : {count, configured};
	}

	/** `tm scale --slots N`: N slots until the config's `max_running` changes. */
	scale(count: number): SlotChange {
		const from = this.current;
		this.#override = this.overrideFor(count);
		const configured = this.#configured as number | null;
		const change: SlotChange = {from, to: count, cause: 'requested', reason: `tm scale --slots ${count}${configured === count ? '' : ` (config says ${configured ?? 'no limit'})`}`};
		this.#changed(change);
		return change;
	}

	/**
	 * At start: the override tm.db kept, unless the config's `max_running` is no longer the one
	 * it overrode (then its words are returned, for the daemon log).
	 */
	restore(kept: SlotsOverride | null): string | null {
		const stale = kept !== null && (isAdaptive(this.#configured) || kept.configured !== this.#configured);
		this.#override = stale ? null : kept;
		return stale ? staleNote(kept, this.#configured) : null;
	}

	/**
	 * A reloaded config: an override of another `max_running` gives way to it (its words are
	 * returned, for the daemon log); a pool keeps its count, moved inside its new bounds, and a
	 * new pool starts at `min`.
	 */
	configure(next: MaxRunning): string | null {
		const from = this.current;
		const wasPool = isAdaptive(this.#configured);
		this.#configured = next;
		const kept = this.#override;
		const note = kept === null ? null : this.restore(kept);
		if (isAdaptive(next)) {
			this.#pool = !wasPool || this.#pool === null ? next.min : Math.min(next.max, Math.max(next.min, this.#pool));
		}

		this.#changed({from, to: this.current, cause: 'config', reason: note ?? 'max_running changed in the config'});
		return note;
	}

	/** A host sample: an adaptive pool (with no override) may move. */
	sampled(sample: PoolSample): void {
		const pool = this.#configured;
		if (!isAdaptive(pool) || this.#pool === null) {
			return;
		}

		const now = this.#clock.now();
		if (sample.waiting > 0) {
			this.#lastWaited = now;
		}

		const step = nextSlots({...sample, slots: this.#pool, pool, last: this.#last, lastWaited: this.#lastWaited, now});
		if (step !== null && step.slots !== this.#pool) {
			const from = this.#pool;
			this.#pool = step.slots;
			this.#last = {at: now, up: step.slots > from};
			this.#changed({from, to: step.slots, cause: 'capacity', reason: step.reason});
		}
	}

	doc(holding: number): SlotsDoc {
		const configured = this.#configured;
		const last = this.#lastChange;
		return {
			max: this.current,
			holding,
			mode: this.#override !== null ? 'scaled' : isAdaptive(configured) ? 'adaptive' : 'config',
			configured: isAdaptive(configured) ? {min: configured.min, max: configured.max} : configured,
			reason: last?.reason ?? null,
			changedAt: last === null ? null : new Date(last.at).toISOString(),
		};
	}

	#changed(change: SlotChange): void {
		if (change.to === change.from) {
			return;
		}

		this.#lastChange = {at: this.#clock.now(), reason: change.reason};
		for (const listener of this.#listeners) {
			listener(change);
		}
	}
}

function text(value: MaxRunning): string {
	return isAdaptive(value) ? `{min: ${value.min}, max: ${value.max}}` : String(value ?? 'no limit');
}

function staleNote(kept: SlotsOverride, now: MaxRunning): string {
	return `tm scale --slots ${kept.count} no longer applies: max_running in the config changed from ${text(kept.configured)} to ${text(now)}; the config wins`;
}
