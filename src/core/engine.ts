/**
 * The set of supervised tasks: builds one Supervisor per task spec, admits queued tasks through
 * the scheduler, fans commands out by name, and publishes every change of state as an event.
 */
import path from 'node:path';
import type {Clock} from './clock.js';
import {TmError} from './errors.js';
import {describeExit} from './machine.js';
import type {Config, Millis, StateKind, TaskRecord, TaskSpec} from './model.js';
import {defaultLogPaths} from './paths.js';
import {admissions, slotStates, type Candidate} from './scheduler.js';
import {Supervisor, type Change} from './supervisor.js';

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
};

export type EngineDeps = {
	clock: Clock;
	random: () => number;
	home: string;
	baseEnv: Record<string, string>;
	cwd: string;
	socketPath: string | null;
};

type Listener = (event: TaskEventRecord, record: TaskRecord) => void;

export class Engine {
	private readonly tasks = new Map<string, Supervisor>();
	private readonly queue = new Map<string, Candidate>();
	private readonly listeners = new Set<Listener>();
	private readonly idleWaiters = new Set<() => void>();
	private seq = 0;
	private queueSeq = 0;

	readonly config: Config;
	private readonly deps: EngineDeps;

	constructor(config: Config, specs: TaskSpec[], deps: EngineDeps) {
		this.config = config;
		this.deps = deps;
		for (const spec of specs) {
			this.add(spec);
		}
	}

	add(spec: TaskSpec): Supervisor {
		const logs = defaultLogPaths(this.deps.home, spec.id);
		const resolve = (file: string | null, fallback: string): string =>
			file === null ? fallback : path.resolve(this.config.file ? path.dirname(this.config.file) : this.deps.cwd, file);
		const task = new Supervisor(spec, {
			clock: this.deps.clock,
			random: this.deps.random,
			baseEnv: this.deps.baseEnv,
			defaultCwd: this.deps.cwd,
			stdoutPath: resolve(spec.stdout, logs.stdout),
			stderrPath: resolve(spec.stderr, logs.stderr),
			socketPath: this.deps.socketPath,
			onChange: change => this.changed(change),
			onEnqueue: queued => this.enqueue(queued),
		});
		this.tasks.set(spec.id, task);
		return task;
	}

	list(): Supervisor[] {
		return [...this.tasks.values()];
	}

	get(id: string): Supervisor {
		const task = this.tasks.get(id);
		if (!task) {
			throw new TmError('E_UNKNOWN_TASK', `no such task: ${id}`);
		}

		return task;
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

	/** Stops every task and resolves once none has a live process. */
	async stopAll(reason = 'daemon shutting down'): Promise<void> {
		for (const task of this.tasks.values()) {
			task.dispatch({type: 'stop', reason});
		}

		await this.idle();
		for (const task of this.tasks.values()) {
			task.dispose();
		}
	}

	/** Resolves when no task has a live process. */
	idle(): Promise<void> {
		if (this.list().every(task => task.pid === null)) {
			return Promise.resolve();
		}

		return new Promise(resolve => {
			this.idleWaiters.add(resolve);
		});
	}

	private enqueue(task: Supervisor): void {
		if (!this.queue.has(task.id)) {
			this.queue.set(task.id, {id: task.id, priority: task.spec.priority ?? 0, seq: this.queueSeq++});
		}

		this.schedule();
	}

	private schedule(): void {
		for (const [id] of this.queue) {
			if (this.tasks.get(id)?.record.state.kind !== 'queued') {
				this.queue.delete(id);
			}
		}

		const busy = this.list().filter(task => slotStates.has(task.record.state.kind)).length;
		for (const id of admissions([...this.queue.values()], busy, this.config.daemon.maxRunning)) {
			this.queue.delete(id);
			this.tasks.get(id)?.dispatch({type: 'admit'});
		}
	}

	private changed({task, before, after}: Change): void {
		// A new pid inside `starting` is not news; a new state or a new reason is.
		if (before.state.kind !== after.state.kind || before.state.reason !== after.state.reason) {
			const lastExit = 'lastExit' in after.state ? after.state.lastExit : null;
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
			};
			for (const listener of this.listeners) {
				listener(event, after);
			}
		}

		if (slotStates.has(before.state.kind) && !slotStates.has(after.state.kind)) {
			queueMicrotask(() => this.schedule());
		}

		if (this.idleWaiters.size > 0 && this.list().every(t => t.pid === null)) {
			for (const resolve of this.idleWaiters) {
				resolve();
			}

			this.idleWaiters.clear();
		}
	}
}
