/**
 * The queue of tasks waiting for a slot and the runner of the admission plan (admission.ts):
 * who waited since when (their place survives a restart), who has dependencies to check, who
 * has not been told why they wait. Runs at most once per microtask turn, and just before a write
 * (so a freed slot and the task taking it share one transaction). `list` is the same plan asked
 * for every waiter (`tm queue`), so the order it shows is the order they start in.
 */
import {lookahead, planAdmission, refusal, type Holder, type Plan, type Waiting} from './admission.js';
import {noLimit, tooBig, type Claimed} from './capacity.js';
import {blockedBy, hasDependencies} from './dependencies.js';
import type {Cause, ResourceCapacity} from './model.js';
import {TaskQueue, type Candidate, type Verdict} from './scheduler.js';
import type {Supervisor} from './supervisor.js';

/** A queued task as `tm queue` shows it: where it stands and what it waits for now. */
export type QueueEntry = {task: Supervisor; reason: string; cause: Cause};

export type AdmitterDeps = {
	task(id: string): Supervisor | undefined;
	tasks(): Iterable<Supervisor>;
	/** The tasks holding a slot now. */
	holders(): Iterable<Supervisor>;
	/** What they claim together (holders.ts: counted once per change of the holders). */
	claimed(): Claimed;
	/** `max_running` as it is now, or null. */
	capacity(): number | null;
	/** The memory and CPUs the holders may request together (`taskmaster.capacity`); undefined: no limit. */
	resources?(): ResourceCapacity | undefined;
	/** The task's row changed (its place in the queue). */
	touch(id: string): void;
	/** Why no task may start now (the daemon is out of file descriptors), or null. */
	held?(): string | null;
};

/**
 * Starts one run makes before the event loop turns (issue 22: 10,000 programs start in 80 turns,
 * and the daemon answers its socket between them, so `tm up` never waits out a busy daemon).
 */
const startsPerTurn = 128;

export class Admitter {
	readonly #deps: AdmitterDeps;
	readonly #queue = new TaskQueue();
	readonly #seqs = new Map<string, number>();
	#nextSeq = 0;
	/** Queued tasks with dependencies: the ones whose standing can change without a slot freeing. */
	readonly #gated = new Set<string>();
	/** Queued since the last run: they have not been told why they wait yet. */
	readonly #fresh = new Set<string>();
	/** The capacity changed: every queued task's reason is told again. */
	#refreshAll = false;
	#queued = false;
	/** Starts admitted in this turn of the event loop (see `#startAllowed`). */
	#startsThisTurn = 0;

	constructor(deps: AdmitterDeps) {
		this.#deps = deps;
	}

	get size(): number {
		return this.#queue.size;
	}

	/** The task's place in the queue (0 when it never waited). */
	seqOf(id: string): number {
		return this.#seqs.get(id) ?? 0;
	}

	/** A restored task keeps the place it had. */
	restore(id: string, seq: number): void {
		this.#seqs.set(id, seq);
		this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
	}

	/** The task leaves the queue (stopped, replaced); with `forget`, its place too. */
	drop(id: string, forget = false): void {
		this.#queue.delete(id);
		if (forget) {
			this.#seqs.delete(id);
		}
	}

	/** The task wants a slot; with `keepPlace`, at the place it had. */
	enqueue(task: Supervisor, keepPlace = false): void {
		if (!this.#queue.has(task.id)) {
			const seq = keepPlace ? (this.#seqs.get(task.id) ?? this.#nextSeq++) : this.#nextSeq++;
			this.#seqs.set(task.id, seq);
			const {spec} = task;
			this.#queue.add({id: task.id, priority: spec.priority ?? 0, seq, requires: spec.requires, ...(spec.kind === 'job' ? {name: spec.name} : {})});
			this.#fresh.add(task.id);
			if (hasDependencies(task.spec)) {
				this.#gated.add(task.id);
			}

			this.#deps.touch(task.id);
		}

		this.soon();
	}

	/** The capacity changed: everyone waiting is told again. */
	capacityChanged(): void {
		this.#refreshAll = true;
		this.soon();
	}

	/** Runs the plan later in this turn (once, however many changes ask). */
	soon(): void {
		if (!this.#queued) {
			this.#queued = true;
			queueMicrotask(() => this.runPending());
		}
	}

	/** Runs the plan now if one is due. */
	runPending(): void {
		if (this.#queued) {
			this.#queued = false;
			// A burst used up this turn's starts: the plan (O(tasks)) runs once in the next turn, not once per event now.
			if (this.#startsThisTurn < startsPerTurn) {
				this.#run();
			}
		}
	}

	/** Why `newcomer`, submitted now, would wait in the queue, or null: it would start at once (`tm run --no-queue`). */
	refusal(newcomer: Waiting): string | null {
		return refusal(newcomer, this.#input(this.#blocked()));
	}

	/** The slots (as scaled or adapted now) and the resources the holders may claim together; null/undefined: no limit. */
	limits(): {slots: number | null; resources: ResourceCapacity | undefined} {
		return {slots: this.#deps.capacity(), resources: this.#deps.resources?.()};
	}

	/** The tasks holding slots now. */
	holding(): Supervisor[] {
		return [...this.#deps.holders()];
	}

	/** The slots and requests the tasks holding slots claim. */
	claimed(): Claimed {
		return this.#deps.claimed();
	}

	/**
	 * Every queued task in the order it would start, with what it waits for now: the plan over
	 * every waiter whose dependencies are met (best first), then those blocked (by a dependency,
	 * or asking for more than the whole capacity) in queue order, then the delayed ones (not in
	 * the queue until their time), soonest first.
	 */
	list(): QueueEntry[] {
		const blocked = this.#blocked();
		const {held, capacity, resources, holders} = this.#input(blocked, 0);
		const all = this.#queue.best(this.#queue.size, candidate => (this.#isWaiting(candidate.id) ? 'take' : 'drop'));
		const ready = all.filter(candidate => this.#ready(candidate, blocked, resources));
		const isReady = new Set(ready);
		const ordered = [...ready, ...all.filter(candidate => !isReady.has(candidate))];
		const tell = ordered.map(({id, requires}) => ({id, blockedBy: blocked.get(id) ?? null, requires}));
		const plan = planAdmission({waiting: ready, holders, capacity, resources, tell, held});
		const said = new Map<string, Plan['wait'][number]>(plan.wait.map(wait => [wait.id, wait]));
		const listed = ordered.flatMap(({id}): QueueEntry[] => {
			const task = this.#deps.task(id);
			const told = said.get(id);
			return task === undefined ? [] : [{task, reason: told?.reason ?? 'starting now', cause: told?.cause ?? 'admitted'}];
		});
		return [...listed, ...this.#delayed().map((task): QueueEntry => ({task, reason: task.record.state.reason, cause: task.record.cause}))];
	}

	/** Queued tasks that wait for their time (`tm run --delay/--at`) before they join the queue: soonest first, then best. */
	#delayed(): Supervisor[] {
		const at = (task: Supervisor): number => (task.record.state.kind === 'queued' ? (task.record.state.eligibleAt ?? 0) : 0);
		return [...this.#deps.tasks()]
			.filter(task => task.record.state.kind === 'queued' && task.record.state.eligibleAt !== null && !this.#queue.has(task.id))
			.sort((a, b) => at(a) - at(b) || (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || this.seqOf(a.id) - this.seqOf(b.id));
	}

	/** What the plan is made of: capacity, holders and the best waiting tasks whose dependencies are met (`count` of them; `lookahead`'s by default). */
	#input(blocked: Map<string, string>, count?: number): {held: string | null; capacity: number | null; resources: ResourceCapacity; holders: Holder[]; waiting: Candidate[]} {
		const held = this.#deps.held?.() ?? null;
		const capacity = this.#deps.capacity();
		const resources = this.#deps.resources?.() ?? noLimit;
		const holders = [...this.#deps.holders()].map(holderOf);
		const judge = (candidate: Candidate): Verdict => {
			if (this.#deps.task(candidate.id)?.record.state.kind !== 'queued') {
				return 'drop';
			}

			return this.#ready(candidate, blocked, resources) ? 'take' : 'skip';
		};
		const take = count ?? (held === null ? lookahead(holders, capacity, this.#queue.size, this.#queue.topPriority ?? undefined) : 0);
		return {held, capacity, resources, holders, waiting: take > 0 ? this.#queue.best(take, judge) : []};
	}

	/** Not blocked by a dependency, and not asking for more than the whole capacity: it can hold the line. */
	#ready(candidate: Candidate, blocked: Map<string, string>, resources: ResourceCapacity): boolean {
		return !blocked.has(candidate.id) && (candidate.requires === undefined || tooBig(candidate.requires, resources) === null);
	}

	#run(): void {
		const blocked = this.#blocked();
		const {held, capacity, resources, holders, waiting} = this.#input(blocked);
		// Newcomers, gated tasks (their dependencies may have moved) and, after a capacity change, everyone.
		const ids = this.#refreshAll ? [...this.#queue.ids()] : [...new Set([...this.#fresh, ...this.#gated])];
		const tell = ids.filter(id => this.#isWaiting(id)).map(id => ({id, blockedBy: blocked.get(id) ?? null, requires: this.#deps.task(id)?.spec.requires}));
		// Told from here on: what the starts below ask for (a hold, a task queued again) is the next run's.
		this.#fresh.clear();
		this.#refreshAll = false;
		const plan = planAdmission({waiting, holders, capacity, resources, tell, held});
		for (const id of plan.start) {
			// A start that just found no descriptor left holds the rest; they stay queued.
			if ((this.#deps.held?.() ?? null) !== null) {
				return;
			}

			if (!this.#startAllowed()) {
				break;
			}

			this.#queue.delete(id);
			this.#deps.task(id)?.dispatch({type: 'admit'});
		}

		for (const {id, reason, cause} of plan.wait) {
			const task = this.#deps.task(id);
			// A reason it already has is no news (and no work: 1,000 queued jobs ask on every change).
			if (task?.record.state.kind === 'queued' && task.record.state.reason !== reason) {
				task.dispatch({type: 'wait', reason, cause});
			}
		}

		for (const {id, reason} of plan.evict) {
			this.#deps.task(id)?.dispatch({type: 'evict', reason});
		}
	}

	/**
	 * Whether one more start fits in this turn of the event loop; once `startsPerTurn` have, the
	 * rest of the burst starts in the next turn, after what came meanwhile (a `hello`, a `status`).
	 */
	#startAllowed(): boolean {
		if (this.#startsThisTurn === 0) {
			setImmediate(() => {
				const full = this.#startsThisTurn >= startsPerTurn;
				this.#startsThisTurn = 0;
				if (full) {
					this.soon();
				}
			});
		}

		this.#startsThisTurn++;
		return this.#startsThisTurn <= startsPerTurn;
	}

	#isWaiting(id: string): boolean {
		return this.#queue.has(id) && this.#deps.task(id)?.record.state.kind === 'queued';
	}

	/**
	 * Gated tasks whose dependencies are not met, with what they wait for. A chain is worked out
	 * dependencies first, so `z` behind `y` behind a failed `x` names the failure in this pass.
	 */
	#blocked(): Map<string, string> {
		const blocked = new Map<string, string>();
		const done = new Set<string>();
		const work = (task: Supervisor): string | null | undefined => {
			if (done.has(task.id)) {
				return blocked.get(task.id) ?? null;
			}

			if (!this.#gated.has(task.id) || !this.#isWaiting(task.id)) {
				return undefined;
			}

			done.add(task.id); // before the dependencies: a cycle reads its recorded reason
			const why = blockedBy(task, this.#deps.tasks(), work);
			if (why !== null) {
				blocked.set(task.id, why);
			}

			return why;
		};

		for (const id of this.#gated) {
			const task = this.#deps.task(id);
			if (!task || !this.#isWaiting(id)) {
				this.#gated.delete(id);
				continue;
			}

			work(task);
		}

		return blocked;
	}
}

function holderOf(task: Supervisor): Holder {
	const {state} = task.record;
	const stopping = state.kind === 'stopping';
	return {id: task.id, priority: task.spec.priority, stopping, freeing: stopping && state.then !== 'restart', since: state.since, requires: task.spec.requires};
}
