/**
 * The set of supervised tasks: builds one Supervisor per task spec, admits queued tasks through
 * the scheduler, fans commands out by name, and publishes every change of state.
 *
 * Everything a pass of the event loop changed is written through `persist` in one batch BEFORE
 * any listener hears of it, so a client is never told of a transition the store could lose. A
 * failed write (a full disk) is kept and retried; supervision carries on meanwhile.
 */
import path from 'node:path';
import type {Clock, TimerHandle} from './clock.js';
import {messageOf, TmError} from './errors.js';
import {blockedBy, dependsOn, hasDependencies, stopWaves} from './dependencies.js';
import {taskDoc} from './documents.js';
import type {TaskStatus} from './ipc/methods.js';
import {describeExit, pidOf} from './machine.js';
import {removedReason, type Cause, type Config, type Millis, type StateKind, type TaskRecord, type TaskSpec} from './model.js';
import {defaultLogPaths} from './paths.js';
import type {Batch, NewEvent, Persist, TaskRow} from './ports.js';
import {slotStates, TaskQueue, type Candidate, type Verdict} from './scheduler.js';
import {Supervisor, type Change, type TaskInfo} from './supervisor.js';

export type TaskEventRecord = {
	seq: number;
	at: Millis;
	taskId: string;
	type: 'state';
	from: StateKind;
	to: StateKind;
	reason: string;
	pid: number | null;
	restarts: number;
	attempt: number;
	exit: string | null;
	cause: Cause;
	/** The task's document right after the change. */
	task: TaskStatus;
};

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
};

/** What a task had when the daemon last stopped. */
export type Restored = {record: TaskRecord; info: Partial<TaskInfo>; createdAt: Millis; queueSeq: number};

type Listener = (event: TaskEventRecord, record: TaskRecord) => void;

const terminal: ReadonlySet<StateKind> = new Set(['stopped', 'completed', 'failed', 'fatal']);
const retryWritesMs = 1000;

export class Engine {
	config: Config;
	private readonly deps: EngineDeps;
	private readonly tasks = new Map<string, Supervisor>();
	/** Tasks in a state that holds a slot (`slotStates`), kept as they change: the queue never scans every task. */
	private readonly live = new Map<string, Supervisor>();
	private readonly createdAt = new Map<string, Millis>();
	private readonly queueSeqs = new Map<string, number>();
	private readonly queue = new TaskQueue();
	/** Queued tasks with dependencies: the ones whose standing can change without a slot freeing. */
	private readonly gated = new Set<string>();
	/** Queued since the last schedule: they have not been told why they wait yet. */
	private readonly fresh = new Set<string>();
	/** The capacity changed: every queued task's reason is told again. */
	private refreshAll = false;
	private readonly listeners = new Set<Listener>();
	private readonly idleWaiters = new Set<() => void>();
	private readonly waiters = new Set<() => void>();
	private seq = 0;
	private published = 0;
	private queueSeq = 0;
	/** What this pass of the event loop changed, not yet written. */
	private pending = {dirty: new Set<string>(), batch: emptyBatch(), notify: [] as Array<[TaskEventRecord, TaskRecord]>};
	private flushScheduled = false;
	/** Resolved after the next flush (`saved()`). */
	private savedWaiters: Array<() => void> = [];
	private scheduleQueued = false;
	/** Batches whose write failed, merged, waiting for a retry. */
	private unsaved: {tasks: Map<string, TaskRow>; batch: Batch} | null = null;
	private retryTimer: TimerHandle | null = null;

	constructor(config: Config, specs: TaskSpec[], deps: EngineDeps) {
		this.config = config;
		this.deps = deps;
		for (const spec of specs) {
			this.add(spec);
		}
	}

	add(spec: TaskSpec, restored?: Restored): Supervisor {
		const logs = defaultLogPaths(this.deps.home, spec.id);
		const resolve = (file: string | null, fallback: string): string =>
			file === null ? fallback : path.resolve(this.config.file ? path.dirname(this.config.file) : this.deps.cwd, file);
		const task = new Supervisor(
			spec,
			{
				clock: this.deps.clock,
				random: this.deps.random,
				baseEnv: this.deps.baseEnv,
				defaultCwd: this.deps.cwd,
				stdoutPath: resolve(spec.stdout, logs.stdout),
				stderrPath: resolve(spec.stderr, logs.stderr),
				socketPath: this.deps.socketPath,
				onChange: change => this.changed(change),
				onEnqueue: queued => this.enqueue(queued),
				onNotify: notified => this.touch(notified.id),
			},
			restored,
		);
		this.tasks.set(spec.id, task);
		this.trackLive(task);
		this.createdAt.set(spec.id, restored?.createdAt ?? this.deps.clock.now());
		if (restored) {
			this.queueSeqs.set(spec.id, restored.queueSeq);
			this.queueSeq = Math.max(this.queueSeq, restored.queueSeq + 1);
		}

		this.touch(spec.id);
		return task;
	}

	/** Takes a reloaded config: the daemon section (capacity, retention…) applies from now on. */
	setConfig(config: Config): void {
		this.config = config;
		this.refreshAll = true;
		this.scheduleSoon();
	}

	/** Stops a task and forgets it (its program left the config); its history stays in the store. */
	async remove(id: string, reason: string): Promise<void> {
		const task = this.get(id);
		task.dispatch({type: 'stop', reason: `${removedReason} (${reason})`});
		await this.until(() => task.down);
		task.dispose();
		this.tasks.delete(id);
		this.live.delete(id);
		this.queue.delete(id);
	}

	/**
	 * Swaps a task's spec (its program changed in the config): the old process is stopped, and
	 * the task starts again with the new spec when it was wanted up. Counters carry over.
	 */
	async replace(spec: TaskSpec, reason: string): Promise<void> {
		const old = this.get(spec.id);
		const {want} = old.record;
		old.dispatch({type: 'stop', reason, shutdown: true});
		await this.until(() => old.down);
		old.dispose();
		this.queue.delete(spec.id);
		const task = this.add(spec, {
			record: old.record,
			info: old.info,
			createdAt: this.createdAt.get(spec.id) ?? this.deps.clock.now(),
			queueSeq: this.queueSeqs.get(spec.id) ?? 0,
		});
		if (want === 'up') {
			task.dispatch({type: 'start', reason});
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
				task.dispose();
				this.tasks.delete(task.id);
				this.live.delete(task.id);
				this.queue.delete(task.id);
				this.createdAt.delete(task.id);
				this.queueSeqs.delete(task.id);
				forgotten++;
			}
		}

		return forgotten;
	}

	/**
	 * Resolves once `check()` holds, re-checking after every written change (a new `want` or a
	 * new `then` is a change without an event).
	 */
	until(check: () => boolean): Promise<void> {
		if (check()) {
			return Promise.resolve();
		}

		return new Promise(resolve => {
			const waiter = (): void => {
				if (check()) {
					this.waiters.delete(waiter);
					resolve();
				}
			};

			this.waiters.add(waiter);
		});
	}

	list(): Supervisor[] {
		return [...this.tasks.values()];
	}

	has(id: string): boolean {
		return this.tasks.has(id);
	}

	get(id: string): Supervisor {
		const task = this.tasks.get(id);
		if (!task) {
			throw new TmError('E_UNKNOWN_TASK', `no such task: ${id}`);
		}

		return task;
	}

	/** The sequence number of the last event published to listeners. */
	get lastSeq(): number {
		return this.published;
	}

	on(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	startAutostart(): void {
		for (const task of this.tasks.values()) {
			if (task.spec.autostart && task.spec.schedule === null) {
				task.dispatch({type: 'start', reason: 'autostart'});
			}
		}
	}

	/**
	 * Adds a job and queues it; it is written with the next flush (this pass of the event loop):
	 * await `saved()` before telling anyone it was accepted. Submissions that arrive together
	 * share one transaction.
	 */
	submit(spec: TaskSpec): Supervisor {
		if (this.tasks.has(spec.id)) {
			throw new TmError('E_INTERNAL', `task id ${spec.id} is taken`);
		}

		const task = this.add(spec);
		task.dispatch({type: 'start', reason: 'submitted'});
		return task;
	}

	/** Resolves once everything changed so far has been through a flush (written, or kept to retry). */
	saved(): Promise<void> {
		this.scheduleFlush();
		return new Promise(resolve => {
			this.savedWaiters.push(resolve);
		});
	}

	/** Puts a restored queued task back in the queue with its old place. */
	requeue(task: Supervisor): void {
		this.enqueue(task, true);
	}

	/** Records a fact that is not a state change (a recovery, an orphan stopped…). */
	note(taskId: string | null, type: string, data: Record<string, unknown>): void {
		this.pending.batch.events.push({taskId, at: this.deps.clock.now(), type, data});
		this.scheduleFlush();
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
		for (const task of this.tasks.values()) {
			task.dispose();
		}

		this.flush();
		this.retryTimer?.cancel();
	}

	/** Resolves when no task has a live process. */
	idle(): Promise<void> {
		if (this.list().every(task => task.down)) {
			return Promise.resolve();
		}

		return new Promise(resolve => {
			this.idleWaiters.add(resolve);
		});
	}

	/**
	 * Writes what is pending, if anything: called before anything is read out of the engine for
	 * a client (a status, a snapshot, a metric), so no answer shows a state the store could still
	 * lose, and a subscriber's snapshot never holds a change whose event is still to come.
	 */
	settle(): void {
		if (this.flushScheduled) {
			this.flush();
		}
	}

	/** Writes what is pending now (normally done once per pass of the event loop). */
	flush(): void {
		// A queue move that is due goes first, so a freed slot and the task taking it share one transaction.
		this.runPendingSchedule();
		this.flushScheduled = false;
		const saved = this.savedWaiters;
		this.savedWaiters = [];
		try {
			this.write();
		} finally {
			for (const resolve of saved) {
				resolve();
			}
		}
	}

	private write(): void {
		const {dirty, batch, notify} = this.pending;
		this.pending = {dirty: new Set(), batch: emptyBatch(), notify: []};
		const rows = new Map([...(this.unsaved?.tasks ?? [])]);
		for (const id of dirty) {
			const task = this.tasks.get(id);
			if (task) {
				rows.set(id, this.row(task));
			}
		}

		const merged = this.unsaved ? concatBatches(this.unsaved.batch, batch) : batch;
		const empty = rows.size === 0 && merged.events.length === 0 && merged.runStarts.length === 0 && merged.runEnds.length === 0;
		if (this.deps.persist && !empty) {
			try {
				this.deps.persist({...merged, tasks: [...rows.values()]});
				this.unsaved = null;
			} catch (error) {
				if (permanent(error)) {
					// Retrying cannot help (a constraint the batch breaks): say so and move on.
					this.unsaved = null;
					this.deps.onWarning?.(`state change dropped, it cannot be saved: ${messageOf(error)}`);
					this.notify(notify);
					return;
				}

				this.unsaved = {tasks: rows, batch: merged};
				this.deps.onWarning?.(`state not saved, retrying in ${retryWritesMs / 1000}s: ${messageOf(error)}`);
				this.retryTimer ??= this.deps.clock.at(this.deps.clock.now() + retryWritesMs, () => {
					this.retryTimer = null;
					this.flush();
				});
			}
		}

		this.notify(notify);
	}

	private notify(events: Array<[TaskEventRecord, TaskRecord]>): void {
		for (const [event, record] of events) {
			this.published = event.seq;
			for (const listener of this.listeners) {
				listener(event, record);
			}
		}

		for (const waiter of this.waiters) {
			waiter();
		}
	}

	private row(task: Supervisor): TaskRow {
		const {record, spec, info} = task;
		return {
			id: spec.id,
			kind: spec.kind,
			program: spec.program,
			spec,
			record,
			info: {
				progress: info.progress,
				progressText: info.progressText,
				status: info.status,
				checkpoint: info.checkpoint,
				heartbeatAt: info.heartbeatAt,
			},
			priority: spec.priority ?? 0,
			queueSeq: this.queueSeqs.get(spec.id) ?? 0,
			createdAt: this.createdAt.get(spec.id) ?? record.state.since,
			updatedAt: this.deps.clock.now(),
			finishedAt: terminal.has(record.state.kind) ? record.state.since : null,
		};
	}

	private touch(id: string): void {
		this.pending.dirty.add(id);
		this.scheduleFlush();
	}

	/**
	 * Group commit: what one pass of the event loop changed (every exit reaped on a SIGCHLD, every
	 * start that finished on a worker thread, a burst of requests) is written in one transaction
	 * once that pass's I/O callbacks have run, instead of one per callback.
	 */
	private scheduleFlush(): void {
		if (!this.flushScheduled) {
			this.flushScheduled = true;
			setImmediate(() => {
				if (this.flushScheduled) {
					this.flush();
				}
			});
		}
	}

	private enqueue(task: Supervisor, keepPlace = false): void {
		if (!this.queue.has(task.id)) {
			const seq = keepPlace ? (this.queueSeqs.get(task.id) ?? this.queueSeq++) : this.queueSeq++;
			this.queueSeqs.set(task.id, seq);
			this.queue.add({id: task.id, priority: task.spec.priority ?? 0, seq});
			this.fresh.add(task.id);
			if (hasDependencies(task.spec)) {
				this.gated.add(task.id);
			}

			this.touch(task.id);
		}

		this.scheduleSoon();
	}

	private scheduleSoon(): void {
		if (!this.scheduleQueued) {
			this.scheduleQueued = true;
			queueMicrotask(() => this.runPendingSchedule());
		}
	}

	private runPendingSchedule(): void {
		if (this.scheduleQueued) {
			this.scheduleQueued = false;
			this.schedule();
		}
	}

	/**
	 * Admits queued tasks whose dependencies are met, highest priority first, while slots are
	 * free. When a waiting task outranks a running one that has a priority and no slot is free,
	 * the lowest-priority running task is evicted: stopped gracefully and queued again.
	 */
	private schedule(): void {
		const capacity = this.config.daemon.maxRunning;
		// Tasks with dependencies say what they wait for; the others are never blocked.
		const blocked = new Set<string>();
		for (const id of this.gated) {
			const task = this.tasks.get(id);
			if (!this.queue.has(id) || task?.record.state.kind !== 'queued') {
				this.gated.delete(id);
				continue;
			}

			const why = blockedBy(task, this.tasks.values());
			if (why !== null) {
				blocked.add(id);
				this.wait(task, why);
			}
		}

		const live = [...this.live.values()];
		const judge = (candidate: Candidate): Verdict => {
			if (this.tasks.get(candidate.id)?.record.state.kind !== 'queued') {
				return 'drop';
			}

			return blocked.has(candidate.id) ? 'skip' : 'take';
		};
		const free = capacity === null ? this.queue.size : Math.max(0, capacity - live.length);
		for (const {id} of free > 0 ? this.queue.best(free, judge) : []) {
			this.queue.delete(id);
			this.tasks.get(id)?.dispatch({type: 'admit'});
		}

		if (capacity !== null) {
			// Newcomers that got no slot, and gated tasks whose dependencies are met, wait for one.
			const reason = `waiting for a slot (max_running ${capacity})`;
			for (const id of this.refreshAll ? [...this.queue.ids()] : [...this.fresh, ...this.gated]) {
				const task = this.tasks.get(id);
				if (task?.record.state.kind === 'queued' && this.queue.has(id) && !blocked.has(id)) {
					this.wait(task, reason);
				}
			}

			this.evictFor(live, judge);
		}

		this.fresh.clear();
		this.refreshAll = false;
	}

	/** Says why a queued task waits; a reason it already has is no news (and no work: 1,000 queued jobs ask on every change). */
	private wait(task: Supervisor, reason: string): void {
		if (task.record.state.reason !== reason) {
			task.dispatch({type: 'wait', reason});
		}
	}

	/**
	 * When the best waiting tasks outrank running ones that have a priority, the lowest of those
	 * are evicted: stopped gracefully and queued again.
	 */
	private evictFor(live: Supervisor[], judge: (candidate: Candidate) => Verdict): void {
		const victims = live
			.filter(task => task.spec.priority !== null && task.record.state.kind !== 'stopping')
			.sort((a, b) => (a.spec.priority ?? 0) - (b.spec.priority ?? 0) || b.record.state.since - a.record.state.since);
		if (victims.length === 0) {
			return;
		}

		// Slots already on their way back (evictions and stops in flight) serve the first waiters.
		const freeing = live.filter(task => task.record.state.kind === 'stopping' && task.record.state.then !== 'restart').length;
		for (const candidate of this.queue.best(freeing + victims.length, judge).slice(freeing)) {
			const victim = victims[0];
			const priority = victim?.spec.priority ?? 0;
			if (!victim || priority >= candidate.priority) {
				return;
			}

			victims.shift();
			victim.dispatch({type: 'evict', reason: `evicted by ${candidate.id} (priority ${candidate.priority} > ${priority})`});
		}
	}

	/** Keeps `live` true for `task`; a replaced task never touches its successor's entry (same id). */
	private trackLive(task: Supervisor): void {
		if (this.tasks.get(task.id) !== task) {
			return;
		}

		if (slotStates.has(task.record.state.kind)) {
			this.live.set(task.id, task);
		} else {
			this.live.delete(task.id);
		}
	}

	private changed({task, before, after}: Change): void {
		const now = this.deps.clock.now();
		this.touch(task.id);
		this.trackLive(task);
		const beforePid = pidOf(before.state);
		const afterPid = pidOf(after.state);
		const {batch} = this.pending;
		const lastExit = 'lastExit' in after.state ? after.state.lastExit : null;
		if (beforePid !== null && beforePid !== afterPid) {
			batch.runEnds.push({
				taskId: task.id,
				pid: beforePid,
				endedAt: now,
				exitCode: lastExit?.code ?? null,
				exitSignal: lastExit?.signal ?? null,
				reason: after.state.reason,
			});
		}

		if (afterPid !== null && afterPid !== beforePid) {
			batch.runStarts.push({
				taskId: task.id,
				attempt: after.attempt,
				pid: afterPid,
				pidStart: task.pidStart,
				bootId: this.deps.bootId ?? 'unknown-boot',
				startedAt: now,
			});
		}

		// A new pid inside `starting` is not news; a new state or a new reason is.
		if (before.state.kind !== after.state.kind || before.state.reason !== after.state.reason) {
			const event: TaskEventRecord = {
				seq: ++this.seq,
				at: after.state.since,
				taskId: task.id,
				type: 'state',
				from: before.state.kind,
				to: after.state.kind,
				reason: after.state.reason,
				pid: task.pid,
				restarts: after.restarts,
				attempt: after.attempt,
				exit: lastExit && after.state.kind !== before.state.kind ? describeExit(lastExit) : null,
				cause: after.cause,
				task: taskDoc(task, this.config.daemon.taskTimeoutMs),
			};
			batch.events.push(toEventRow(event));
			this.pending.notify.push([event, after]);
		}

		// A freed slot, or a dependency that got somewhere: the queue may move.
		if (before.state.kind !== after.state.kind && this.queue.size > 0) {
			this.scheduleSoon();
		}

		if (this.idleWaiters.size > 0 && this.list().every(t => t.down)) {
			for (const resolve of this.idleWaiters) {
				resolve();
			}

			this.idleWaiters.clear();
		}
	}
}

function permanent(error: unknown): boolean {
	const cause = (error as {cause?: {code?: unknown}}).cause;
	return typeof cause?.code === 'string' && cause.code.startsWith('SQLITE_CONSTRAINT');
}

function emptyBatch(): Batch {
	return {tasks: [], runStarts: [], runEnds: [], events: []};
}

function concatBatches(a: Batch, b: Batch): Batch {
	return {
		tasks: [],
		runStarts: [...a.runStarts, ...b.runStarts],
		runEnds: [...a.runEnds, ...b.runEnds],
		events: [...a.events, ...b.events],
	};
}

function toEventRow(event: TaskEventRecord): NewEvent {
	return {
		taskId: event.taskId,
		at: event.at,
		type: event.type,
		data: {from: event.from, to: event.to, reason: event.reason, pid: event.pid, restarts: event.restarts, attempt: event.attempt, exit: event.exit, cause: event.cause},
	};
}
