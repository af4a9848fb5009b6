/**
 * The set of supervised tasks: builds one Supervisor per task spec, admits queued tasks through
 * the admission plan (admission.ts), fans commands out by name, and publishes every change of
 * state once it is written (write-journal.ts, event-bus.ts).
 */
import path from 'node:path';
import {Admitter} from './admitter.js';
import type {Clock} from './clock.js';
import {dependsOn, hasDependencies, stopWaves} from './dependencies.js';
import type {Descriptors} from './descriptors.js';
import {taskDoc} from './documents.js';
import {TmError} from './errors.js';
import {EventBus, type Listener} from './event-bus.js';
import {Holders} from './holders.js';
import {pidOf} from './machine.js';
import {type Config, type Millis, type StateKind, type TaskRecord, type TaskSpec} from './model.js';
import {taskLogPaths} from './paths.js';
import type {Persist, TaskRow} from './ports.js';
import type {Cgroups} from './cgroups/cgroups.js';
import {initialSlots, type Slots} from './slots.js';
import {Supervisor, type Change, type SupervisorDeps, type TaskInfo} from './supervisor.js';
import type {RunTimes} from './task-facts.js';
import {eventOf, toEventRow, type TaskEventRecord} from './task-event.js';
import {WriteJournal} from './write-journal.js';

export type {TaskEventRecord} from './task-event.js';

export type EngineDeps = {
	clock: Clock;
	random: () => number;
	home: string;
	baseEnv: Record<string, string>;
	cwd: string;
	socketPath: string | null;
	bootId?: string;
	persist?: Persist;
	onWarning?(message: string): void;
	/** The daemon's spare file descriptors: starts wait while it is out of them. */
	descriptors?: Descriptors;
	/** Told when a task log cannot be written (a full disk) and when it can again; idleFiles: logs hold no descriptor while quiet. */
	logWatch?: SupervisorDeps['logWatch'];
	idleFiles?: SupervisorDeps['idleFiles'];
	/** The slots now (scaled, adaptive); without it, the config's `max_running` as written. */
	slots?: Slots;
	/** The daemon's cgroups: each run of a task gets its own where they can be made. */
	cgroups?: Cgroups;
};

/** What a task had when the daemon last stopped (`lastRun`: its latest run, from the store's runs). */
export type Restored = {record: TaskRecord; info: Partial<TaskInfo>; createdAt: Millis; queueSeq: number; lastRun?: RunTimes | null};

const terminal: ReadonlySet<StateKind> = new Set(['stopped', 'completed', 'failed', 'fatal']);

export class Engine {
	#config: Config;
	readonly #deps: EngineDeps;
	readonly #tasks = new Map<string, Supervisor>();
	/** Tasks in a state that holds a slot, kept as they change: the queue never scans every task. */
	readonly #live = new Holders<Supervisor>();
	readonly #admitter: Admitter;
	/** The queue as clients ask about it (`tm queue`, `tm run --no-queue`), and the tasks holding slots. */
	readonly queue: Pick<Admitter, 'refusal' | 'list' | 'holding' | 'claimed' | 'limits'>;
	readonly #bus = new EventBus();
	readonly #journal: WriteJournal;
	/** Events of this pass, published once it is written. */
	#unpublished: Array<[TaskEventRecord, TaskRecord]> = [];
	readonly #idleWaiters = new Set<() => void>();
	#seq = 0;

	constructor(config: Config, specs: TaskSpec[], deps: EngineDeps) {
		this.#config = config;
		this.#deps = deps;
		this.#journal = new WriteJournal({
			clock: deps.clock,
			persist: deps.persist,
			onWarning: deps.onWarning,
			row: id => {
				const task = this.#tasks.get(id);
				return task ? this.#row(task) : null;
			},
			// A queue move that is due goes first, so a freed slot and the task taking it share one transaction.
			beforeWrite: () => this.#admitter.runPending(),
			afterWrite: () => {
				const events = this.#unpublished;
				this.#unpublished = [];
				this.#bus.publish(events);
			},
		});
		this.queue = this.#admitter = new Admitter({
			task: id => this.#tasks.get(id),
			tasks: () => this.#tasks.values(),
			holders: () => this.#live.values(),
			claimed: () => this.#live.claimed(),
			capacity: () => (deps.slots ? deps.slots.current : initialSlots(this.#config.daemon.maxRunning)),
			resources: () => this.#config.daemon.capacity,
			touch: id => this.#journal.touch(id),
			held: () => deps.descriptors?.held ?? null,
		});
		deps.descriptors?.watch({
			startsInFlight: () => [...this.#live.values()].some(task => task.pid === null && !task.down),
			changed: () => this.#admitter.capacityChanged(),
		});
		deps.slots?.watch(() => this.#admitter.capacityChanged());
		for (const spec of specs) {
			this.add(spec);
		}
	}

	get config(): Config {
		return this.#config;
	}

	add(spec: TaskSpec, restored?: Restored): Supervisor {
		const logs = taskLogPaths(spec, this.#deps.home, this.#config.file ? path.dirname(this.#config.file) : this.#deps.cwd);
		const task = new Supervisor(
			spec,
			{
				clock: this.#deps.clock,
				random: this.#deps.random,
				baseEnv: this.#deps.baseEnv,
				defaultCwd: this.#deps.cwd,
				stdoutPath: logs.stdout,
				stderrPath: logs.stderr,
				socketPath: this.#deps.socketPath,
				onChange: change => this.#changed(change),
				// A start given back for want of descriptors keeps its place in the queue.
				onEnqueue: queued => this.#admitter.enqueue(queued, queued.record.cause === 'descriptors'),
				onTouch: touched => this.#journal.touch(touched.id),
				starved: message => this.#deps.descriptors?.starved(message) ?? null,
				logWatch: this.#deps.logWatch,
				idleFiles: this.#deps.idleFiles,
				cgroups: this.#deps.cgroups,
			},
			restored,
		);
		this.#tasks.set(spec.id, task);
		this.#trackLive(task);
		if (restored) {
			this.#admitter.restore(spec.id, restored.queueSeq);
		}

		this.#journal.touch(spec.id);
		return task;
	}

	/** Takes a reloaded config: the daemon section (capacity, retention…) applies from now on. */
	setConfig(config: Config): void {
		this.#config = config;
		this.#admitter.capacityChanged();
	}

	/** Stops a task and forgets it (its program left the config, tm scale lowered its instances); its history stays in the store. */
	async remove(id: string, reason: string): Promise<void> {
		const task = this.get(id);
		task.dispatch({type: 'stop', reason, cause: 'removed'});
		await this.until(() => task.down);
		this.#forget(task);
	}

	/**
	 * Swaps a task's spec (its program changed in the config): the old process is stopped, and
	 * the task starts again with the new spec when it was wanted up. Counters carry over.
	 */
	async replace(spec: TaskSpec, reason: string): Promise<void> {
		const old = this.get(spec.id);
		const {want} = old.record;
		old.dispatch({type: 'stop', reason, shutdown: true, cause: 'config'});
		await this.until(() => old.down);
		old.dispose();
		this.#admitter.drop(spec.id);
		const task = this.add(spec, {
			record: old.record,
			info: old.info,
			...old.times,
			queueSeq: this.#admitter.seqOf(spec.id),
		});
		task.resumeTimer(); // a delayed task (kept through the stop) waits on for its time
		if (want === 'up') {
			task.dispatch({type: 'start', reason, cause: 'config'});
		}
	}

	/** Drops jobs that finished before `cut` from the live list (their rows are pruned by the store). */
	forgetFinishedJobs(cut: Millis): number {
		let forgotten = 0;
		// Only queued tasks with dependencies can still need a finished one.
		const waiting = this.list().filter(other => other.record.state.kind === 'queued' && hasDependencies(other.spec));
		for (const task of this.list()) {
			const {state} = task.record;
			if (task.spec.kind === 'job' && terminal.has(state.kind) && task.pid === null && state.since < cut && !waiting.some(other => dependsOn(other.spec, task.spec))) {
				this.#forget(task);
				this.#admitter.drop(task.id, true);
				forgotten++;
			}
		}

		return forgotten;
	}

	/** Resolves once `check()` holds, re-checked after every written change. */
	until(check: () => boolean): Promise<void> {
		return this.#bus.until(check);
	}

	list(): Supervisor[] {
		return [...this.#tasks.values()];
	}

	has(id: string): boolean {
		return this.#tasks.has(id);
	}

	get(id: string): Supervisor {
		const task = this.#tasks.get(id);
		if (!task) {
			throw new TmError('E_UNKNOWN_TASK', `no such task: ${id}`);
		}

		return task;
	}

	/** The sequence number of the last event published to listeners. */
	get lastSeq(): number {
		return this.#bus.lastSeq;
	}

	on(listener: Listener): () => void {
		return this.#bus.on(listener);
	}

	startAutostart(): void {
		for (const task of this.#tasks.values()) {
			if (task.spec.autostart && task.spec.schedule === null) {
				task.dispatch({type: 'start', reason: 'autostart', cause: 'config'});
			}
		}
	}

	/** Adds a job and queues it (not eligible before `eligibleAt`, when given), written with this pass's flush (await `saved()` before saying so); submissions together share one transaction. */
	submit(spec: TaskSpec, eligibleAt?: Millis): Supervisor {
		if (this.#tasks.has(spec.id)) {
			throw new TmError('E_INTERNAL', `task id ${spec.id} is taken`);
		}

		const task = this.add(spec);
		task.dispatch({type: 'start', reason: 'submitted', cause: 'submitted', ...(eligibleAt === undefined ? {} : {eligibleAt})});
		return task;
	}

	/** Resolves once everything changed so far has been through a flush (written, or kept to retry). */
	saved(): Promise<void> {
		return this.#journal.saved();
	}

	/** Puts a restored queued task back in the queue with its old place. */
	requeue(task: Supervisor): void {
		this.#admitter.enqueue(task, true);
	}

	/** Records a fact that is not a state change (a recovery, an orphan stopped…). */
	note(taskId: string | null, type: string, data: Record<string, unknown>): void {
		this.#journal.batch.events.push({taskId, at: this.#deps.clock.now(), type, data});
		this.#journal.schedule();
	}

	/**
	 * Stops every task, dependents before what they depend on, and resolves once none has a live
	 * process. With `shutdown`, each task keeps what a person wanted, so it comes back with the daemon.
	 */
	async stopAll(reason = 'daemon shutting down', shutdown = true): Promise<void> {
		// Dependents first: each wave is stopped once the one before has no process left.
		for (const wave of stopWaves(this.list())) {
			for (const task of wave) {
				task.dispatch({type: 'stop', reason, shutdown});
			}

			await this.until(() => wave.every(task => task.down));
		}

		await this.idle();
		for (const task of this.#tasks.values()) {
			task.dispose();
		}

		this.#journal.flush();
		this.#journal.close();
	}

	/** Resolves when no task has a live process. */
	idle(): Promise<void> {
		if (this.list().every(task => task.down)) {
			return Promise.resolve();
		}

		return new Promise(resolve => {
			this.#idleWaiters.add(resolve);
		});
	}

	/**
	 * Writes what is pending, before anything is read out for a client (a status, a snapshot, a metric): no
	 * answer shows a state the store could lose, no snapshot a change whose event is still to come.
	 */
	settle(): void {
		this.#journal.settle();
	}

	/** Writes what is pending now (normally done once per pass of the event loop). */
	flush(): void {
		this.#journal.flush();
	}

	#forget(task: Supervisor): void {
		task.dispose();
		this.#tasks.delete(task.id);
		this.#live.drop(task.id);
		this.#admitter.drop(task.id);
	}

	#row(task: Supervisor): TaskRow {
		const {record, spec} = task;
		const {progress, progressText, status, checkpoint, heartbeatAt} = task.info;
		return {
			id: spec.id,
			kind: spec.kind,
			program: spec.program,
			spec,
			record,
			info: {progress, progressText, status, checkpoint, heartbeatAt},
			priority: spec.priority ?? 0,
			queueSeq: this.#admitter.seqOf(spec.id),
			createdAt: task.times.createdAt,
			updatedAt: this.#deps.clock.now(),
			finishedAt: terminal.has(record.state.kind) ? record.state.since : null,
		};
	}

	/** Keeps `live` true for `task`; a replaced task never touches its successor's entry (same id). */
	#trackLive(task: Supervisor): void {
		if (this.#tasks.get(task.id) !== task) {
			return;
		}

		this.#live.track(task);
	}

	#changed({task, before, after}: Change): void {
		const now = this.#deps.clock.now();
		this.#journal.touch(task.id);
		this.#trackLive(task);
		this.#recordRuns(task, before, after, now);
		const event = eventOf(this.#seq + 1, task.id, before, after, () => taskDoc(task, this.#config.daemon));
		if (event !== null) {
			this.#seq = event.seq;
			this.#journal.event(toEventRow(event));
			this.#unpublished.push([event, after]);
		}

		// A freed slot, or a dependency that got somewhere: the queue may move.
		if (before.state.kind !== after.state.kind && this.#admitter.size > 0) {
			this.#admitter.soon();
		}

		if (inFlight(before) && !inFlight(after)) {
			this.#deps.descriptors?.startEnded();
		}

		if (this.#idleWaiters.size > 0 && this.list().every(t => t.down)) {
			for (const resolve of this.#idleWaiters) {
				resolve();
			}

			this.#idleWaiters.clear();
		}
	}

	/** A pid that ended closes its run; a new pid opens one; at the times the task's document shows. */
	#recordRuns(task: Supervisor, before: TaskRecord, after: TaskRecord, now: Millis): void {
		const {lastRun} = task.times;
		const beforePid = pidOf(before.state);
		const afterPid = pidOf(after.state);
		const {batch} = this.#journal;
		const lastExit = 'lastExit' in after.state ? after.state.lastExit : null;
		if (beforePid !== null && beforePid !== afterPid) {
			batch.runEnds.push({taskId: task.id, pid: beforePid, endedAt: lastRun?.endedAt ?? now, exitCode: lastExit?.code ?? null, exitSignal: lastExit?.signal ?? null, reason: after.state.reason});
		}

		if (afterPid !== null && afterPid !== beforePid) {
			batch.runStarts.push({taskId: task.id, attempt: after.attempt, pid: afterPid, pidStart: task.pidStart, bootId: this.#deps.bootId ?? 'unknown-boot', startedAt: lastRun?.startedAt ?? now});
		}
	}
}

/** Admitted and not started yet: the start is in flight (its pipes may still be made). */
function inFlight(record: TaskRecord): boolean {
	return record.state.kind === 'starting' && record.state.pid === null;
}
