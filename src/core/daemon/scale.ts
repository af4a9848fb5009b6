/**
 * `tm scale`: a program's instance count, or the slots (`--slots`), changed at run time. Each
 * override is kept in tm.db (`meta` key `scale`) with the config value it overrode, and holds
 * across restarts and reloads until that config value changes: then the config wins again, and
 * the daemon log and an event say so. Instances change through the path reloads use
 * (instances.ts); scales and reloads run one at a time (Reloads.exclusive).
 */
import type {Clock} from '../clock.js';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {ScaledProgram, ScaleParams, ScaleResult} from '../ipc/methods.js';
import type {Config, ProgramSpec} from '../model.js';
import type {SlotChange, Slots, SlotsOverride} from '../slots.js';
import type {DaemonLog} from './daemon-log.js';
import {setInstances} from './instances.js';

/** What the scales need of tm.db. */
export type ScaleStore = {getMeta(key: string): string | null; setMeta(key: string, value: string): void};

type ProgramOverride = {count: number; configured: number};
type Stored = {programs: Record<string, ProgramOverride>; slots: SlotsOverride | null};

const metaKey = 'scale';

export type ScalerDeps = {
	engine: Engine;
	slots: Slots;
	clock: Clock;
	log: DaemonLog;
	/** Runs `work` when no reload or other scale is under way, once recovery (and so {@link restore}) is over. */
	exclusive<T>(work: () => Promise<T>): Promise<T>;
	/** After instances changed (schedules armed again: housekeeping.ts). */
	onApplied(): void;
};

export class Scaler {
	readonly #deps: ScalerDeps;
	readonly #programs = new Map<string, ProgramOverride>();
	#store: ScaleStore | null = null;

	constructor(deps: ScalerDeps) {
		this.#deps = deps;
		// Every change of the slots, whoever made it (tm scale, a reload, the adaptive pool), is an event and a log line.
		deps.slots.watch(change => this.#slotsChanged(change));
	}

	/** At start, before recovery plans the tasks: what tm.db kept, less what the config has moved past. */
	restore(store: ScaleStore, config: Config): void {
		this.#store = store;
		const stored = parseStored(store.getMeta(metaKey));
		for (const [name, override] of Object.entries(stored.programs)) {
			this.#programs.set(name, override);
		}

		const slotsNote = this.#deps.slots.restore(stored.slots);
		if (slotsNote !== null) {
			this.#deps.log.note(slotsNote, {}, this.#deps.clock.now());
		}

		if (this.#configChanged(config) || slotsNote !== null) {
			this.#save();
		}

		const slots = this.#deps.slots.override;
		if (this.#programs.size > 0 || slots !== null) {
			this.#deps.log.note('tm scale kept from before the restart', {programs: Object.fromEntries(this.#programs), slots}, this.#deps.clock.now());
		}
	}

	/** How many instances `program` runs: `tm scale`'s count, else the config's numprocs. */
	count(program: ProgramSpec): number {
		return this.#programs.get(program.name)?.count ?? program.numprocs;
	}

	/** A program's instances now and the config's numprocs; null when the config has no such program. */
	numprocs(name: string): {count: number; configured: number} | null {
		const program = this.#deps.engine.config.programs.find(p => p.name === name);
		return program === undefined ? null : {count: this.count(program), configured: program.numprocs};
	}

	/** Programs scaled away from their config. */
	scaled(): ScaledProgram[] {
		return [...this.#programs].map(([program, {count, configured}]) => ({program, numprocs: count, configured}));
	}

	/** A reload's config, before it is applied: overrides of a config value that changed give way. */
	configChanged(next: Config): void {
		const {slots, log, clock} = this.#deps;
		const before = slots.current;
		const slotsNote = slots.configure(next.daemon.maxRunning);
		// A change of the count says it in its own line (#slotsChanged).
		if (slotsNote !== null && slots.current === before) {
			log.note(slotsNote, {}, clock.now());
		}

		if (this.#configChanged(next) || slotsNote !== null) {
			this.#save();
		}
	}

	/** `tm scale PROGRAM N` or `tm scale --slots N`. */
	async scale(params: ScaleParams): Promise<ScaleResult> {
		if (params.slots !== undefined) {
			const slots = params.slots;
			return this.#deps.exclusive(async () => this.#scaleSlots(slots));
		}

		const {program: name, count} = params;
		if (name === undefined || count === undefined) {
			throw new TmError('E_USAGE', 'name a program and its number of instances (tm scale web 3), or the slots (tm scale --slots 8)');
		}

		return this.#deps.exclusive(async () => this.#scaleProgram(this.#program(name), count));
	}

	#program(name: string): ProgramSpec {
		const {engine} = this.#deps;
		const program = engine.config.programs.find(p => p.name === name);
		if (program !== undefined) {
			return program;
		}

		const job = engine.list().find(task => task.spec.kind === 'job' && (task.id === name || task.spec.name === name));
		if (job !== undefined) {
			throw new TmError('E_USAGE', `${name} is a job, which runs once: tm scale changes the instances of a program of the config (tm run again for another job)`);
		}

		const names = engine.config.programs.map(p => p.name);
		throw new TmError('E_UNKNOWN_TASK', `no program named ${name} in the config${names.length > 0 ? ` (its programs: ${names.join(', ')})` : ''}`);
	}

	async #scaleProgram(program: ProgramSpec, count: number): Promise<ScaleResult> {
		const {engine, log, clock} = this.#deps;
		const from = this.count(program);
		const previous = this.#programs.get(program.name);
		if (count === program.numprocs) {
			this.#programs.delete(program.name);
		} else {
			this.#programs.set(program.name, {count, configured: program.numprocs});
		}

		try {
			this.#save();
		} catch (error) {
			// Not kept, not applied: the scale is refused whole.
			this.#restoreProgram(program.name, previous);
			throw error;
		}

		const why = `tm scale ${program.name} ${count}`;
		const change = await setInstances(engine, program, count, {changed: why, removed: `scaled to ${count} (${why})`, added: why, cause: 'requested'});
		this.#deps.onApplied();
		const reason = `${program.name} scaled from ${from} to ${count} instances${count === program.numprocs ? '' : ` (config says ${program.numprocs})`}`;
		engine.note(null, 'scale', {program: program.name, from: String(from), to: String(count), configured: program.numprocs, cause: 'requested', reason});
		log.note('program scaled', {program: program.name, from, to: count, configured: program.numprocs, ...change}, clock.now());
		return {program: program.name, from, to: count, configured: program.numprocs, ...change};
	}

	#scaleSlots(count: number): ScaleResult {
		const {slots, engine} = this.#deps;
		const configured = engine.config.daemon.maxRunning;
		// Kept first: a scale tm.db cannot keep is refused whole.
		this.#save(slots.overrideFor(count));
		const change = slots.scale(count);
		return {program: null, from: change.from, to: count, configured: typeof configured === 'number' ? configured : null, added: [], removed: []};
	}

	#restoreProgram(name: string, previous: ProgramOverride | undefined): void {
		if (previous === undefined) {
			this.#programs.delete(name);
		} else {
			this.#programs.set(name, previous);
		}
	}

	/** Drops program overrides the config has moved past (said in the log and as events); true when any was. */
	#configChanged(config: Config): boolean {
		const {engine, log, clock} = this.#deps;
		let dropped = false;
		for (const [name, override] of this.#programs) {
			const program = config.programs.find(p => p.name === name);
			if (program === undefined || program.numprocs !== override.configured) {
				this.#programs.delete(name);
				dropped = true;
				const why = program === undefined ? `${name} left the config` : `numprocs of ${name} in the config changed from ${override.configured} to ${program.numprocs}`;
				const reason = `tm scale ${name} ${override.count} no longer applies: ${why}; the config wins`;
				engine.note(null, 'scale', {program: name, from: String(override.count), to: String(program?.numprocs ?? 0), configured: program?.numprocs ?? null, cause: 'config', reason});
				log.note(reason, {program: name}, clock.now());
			}
		}

		return dropped;
	}

	#slotsChanged(change: SlotChange): void {
		const {engine, log, clock} = this.#deps;
		const text = (value: number | null): string => (value === null ? 'no limit' : String(value));
		engine.note(null, 'slots', {from: text(change.from), to: text(change.to), cause: change.cause, reason: change.reason});
		log.note(`slots ${text(change.from)} -> ${text(change.to)}: ${change.reason}`, {from: change.from, to: change.to, cause: change.cause}, clock.now());
	}

	#save(slots = this.#deps.slots.override): void {
		const stored: Stored = {programs: Object.fromEntries(this.#programs), slots};
		this.#store?.setMeta(metaKey, JSON.stringify(stored));
	}
}

/** What tm.db kept; nothing (a first start, a value tm cannot read) is no override. */
function parseStored(text: string | null): Stored {
	try {
		const value = JSON.parse(text ?? 'null') as Partial<Stored> | null;
		return {programs: value?.programs ?? {}, slots: value?.slots ?? null};
	} catch {
		return {programs: {}, slots: null};
	}
}
