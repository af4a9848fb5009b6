/**
 * The runtime of one task: feeds events into the pure machine, executes the effects it returns
 * (spawn, signal the group, ask for a slot), keeps the one timer of the current state, and
 * reports every change of state. Events raised while an event is being handled are queued and
 * handled in order, so every transition is seen by listeners exactly once and in sequence.
 */
import type {Clock} from './clock.js';
import {startFailure} from './descriptors.js';
import {deadlineOf, initialRecord, pidOf, transition, type Effect, type TaskEvent} from './machine.js';
import type {Millis, TaskRecord, TaskSpec} from './model.js';
import {NotifyParser, parseNotifyLines, type NotifyMessage} from './notify.js';
import type {Mark} from './actions.js';
import {withCpuSample, type RunFacts} from './liveness.js';
import {TaskLog, type TaskLogOptions} from './log/task-log.js';
import {AdoptedProcess, stillRunning, type Orphan} from './process/orphans.js';
import {processStartTime} from './process/proc.js';
import type {Cgroups} from './cgroups/cgroups.js';
import {spawnTask, type TaskProcess} from './process/spawner.js';
import {StateTimer} from './state-timer.js';
import {emptyInfo, infoAfter, runAfter, spawnRequest, taskEnvironment, timesAfter, type RunTimes, type TaskInfo, type TaskTimes} from './task-facts.js';

export type {TaskInfo} from './task-facts.js';

export type Change = {
	task: Supervisor;
	event: TaskEvent;
	before: TaskRecord;
	after: TaskRecord;
};

export type SupervisorDeps = {
	clock: Clock;
	random: () => number;
	/** The environment every task starts from (the daemon's own). */
	baseEnv: Record<string, string>;
	/** The directory tasks run in when they set no `workingdir`. */
	defaultCwd: string;
	stdoutPath: string;
	stderrPath: string;
	socketPath: string | null;
	/** Called for every transition that changed the record. */
	onChange(change: Change): void;
	/** The task wants a slot; the scheduler answers with `admit` now or later. */
	onEnqueue(task: Supervisor): void;
	/** The task's document changed without a transition (a notify message, a new schedule time). */
	onTouch?(task: Supervisor): void;
	/** A start failed with this message: the reason to wait with instead when descriptors ran out, else null. */
	starved?(message: string): string | null;
	logWatch?: TaskLogOptions['watch'];
	idleFiles?: TaskLogOptions['idle'];
	/** The daemon's cgroups: each run gets its own where they can be made. */
	cgroups?: Cgroups | null;
};

export class Supervisor {
	#record: TaskRecord;
	#info: TaskInfo;
	/** Start time of the current process (from /proc), recorded with its run. */
	#pidStart: string | null = null;
	/** What is known of the current run (null without a process), for the liveness checks. */
	#run: RunFacts | null = null;
	/** When a scheduled program runs next, or null. */
	#nextRunAt: Millis | null = null;
	#times: TaskTimes;
	/** Attempts ever admitted (only grows): an action's wait tells a new attempt from the old one. */
	#admitted = 0;
	readonly #log: TaskLog;
	#process: TaskProcess | AdoptedProcess | null = null;
	readonly #timer: StateTimer;
	readonly #pending: Array<{event: TaskEvent; handled?: (mark: Mark) => void}> = [];
	#busy = false;
	/** A start is in flight (spawnTask called, neither onStarted nor onSpawnError yet). */
	#starting = false;
	readonly #spec: TaskSpec;
	readonly #deps: SupervisorDeps;

	constructor(spec: TaskSpec, deps: SupervisorDeps, restored?: {record: TaskRecord; info: Partial<TaskInfo>; createdAt?: Millis; lastRun?: RunTimes | null}) {
		this.#spec = spec;
		this.#deps = deps;
		this.#record = restored?.record ?? initialRecord(deps.clock.now());
		this.#info = {...emptyInfo(), ...restored?.info};
		this.#times = {createdAt: restored?.createdAt ?? deps.clock.now(), lastRun: restored?.lastRun ?? null};
		this.#timer = new StateTimer(deps.clock, () => this.dispatch({type: 'timer'}));
		// Log files appear with the first output (a job's; in the daemon a program's too): a quiet task creates none.
		this.#log = new TaskLog({
			stdoutPath: deps.stdoutPath,
			stderrPath: deps.stderrPath,
			spec: spec.log,
			now: () => deps.clock.now(),
			createOnFirstWrite: spec.kind === 'job' || deps.idleFiles !== undefined,
			group: spec.group,
			watch: deps.logWatch,
			idle: deps.idleFiles,
		});
		if (spec.ready.kind === 'line') {
			const pattern = new RegExp(spec.ready.pattern);
			this.#log.onLine(line => {
				if (this.#record.state.kind === 'starting' && pattern.test(line.text)) {
					this.dispatch({type: 'ready'});
				}
			});
		}
	}

	get record(): TaskRecord {
		return this.#record;
	}

	get spec(): TaskSpec {
		return this.#spec;
	}

	get info(): Readonly<TaskInfo> {
		return this.#info;
	}

	get pidStart(): string | null {
		return this.#pidStart;
	}

	get run(): Readonly<RunFacts> | null {
		return this.#run;
	}

	get nextRunAt(): Millis | null {
		return this.#nextRunAt;
	}

	get times(): TaskTimes {
		return this.#times;
	}

	get log(): TaskLog {
		return this.#log;
	}

	/** The task as an action's wait compares it (see actions.ts). */
	get mark(): Mark {
		return {record: this.#record, admitted: this.#admitted};
	}

	/** Whether the kernel holds the current run to max_memory (then samples do not judge it). */
	get memoryByKernel(): boolean {
		return this.#process !== null && 'memoryByKernel' in this.#process && this.#process.memoryByKernel;
	}

	/** Intent: a sample of the process tree came (cpu, memory), for the stuck detector and the documents. */
	sampled(sample: {cpu: number; rss: number; cpuSeconds: number}): void {
		if (this.#run !== null) {
			this.#run = withCpuSample(this.#spec, this.#run, sample, this.#deps.clock.now());
		}
	}

	/** Intent: processes a previous daemon left for this task, stopped as the machine stops its own (`adopt`), then `stopped`, (`restart`) queued again or (`fail`) failed; resolves with how they ended. */
	adopt(orphans: Orphan[], reason: string, then: 'stopped' | 'restart' | 'fail' = 'stopped'): Promise<'not-running' | 'stopped' | 'killed'> {
		const alive = stillRunning(orphans);
		if (alive.length === 0) {
			return Promise.resolve('not-running');
		}

		return new Promise(resolve => {
			const adopted = new AdoptedProcess(alive, this.#deps.clock, () => {
				this.#process = null;
				this.dispatch({type: 'exited', pid: alive[0]!.pid, code: null, signal: adopted.killed ? 'SIGKILL' : null});
				resolve(adopted.killed ? 'killed' : 'stopped');
			});
			this.#process = adopted;
			// Recorded as a run of its own while it is stopped: a daemon that dies meanwhile finds it again.
			this.#pidStart = alive[0]!.pidStart;
			this.dispatch({type: 'adopt', pid: alive[0]!.pid, reason, then});
		});
	}

	/** Intent: the schedule says when this task runs next (null: not scheduled). */
	scheduled(at: Millis | null): void {
		if (this.#nextRunAt !== at) {
			this.#nextRunAt = at;
			this.#deps.onTouch?.(this);
		}
	}

	get id(): string {
		return this.#spec.id;
	}

	#output(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
		this.#log[stream](chunk);
		if (this.#run) {
			this.#run = {...this.#run, outputAt: this.#deps.clock.now()};
		}
	}

	/** Where the task's output goes. */
	get logPaths(): {stdout: string; stderr: string} {
		return {stdout: this.#deps.stdoutPath, stderr: this.#deps.stderrPath};
	}

	/** The folder it runs in: its own, else the daemon's. */
	get cwd(): string {
		return this.#spec.workingdir ?? this.#deps.defaultCwd;
	}

	get pid(): number | null {
		return pidOf(this.#record.state);
	}

	/** No process, and none on its way (a start finishing on a worker thread has no pid yet; a stop waits for it). */
	get down(): boolean {
		return this.pid === null && !this.#starting;
	}

	/** Handles `event` now, or right after the event being handled (or the start in flight). */
	dispatch(event: TaskEvent): void {
		this.#pending.push({event});
		this.drain();
	}

	/**
	 * Like `dispatch`, and resolves with the task as the machine left it right after handling `event`: what an action's
	 * wait starts from (a start in flight holds events, so the state when the request came is not the one it was applied to).
	 */
	request(event: TaskEvent): Promise<Mark> {
		return new Promise(resolve => {
			this.#pending.push({event, handled: resolve});
			this.drain();
		});
	}

	/** Handles pending events in order; while a start is in flight they wait for its outcome. */
	private drain(): void {
		if (this.#busy) {
			return;
		}

		this.#busy = true;
		try {
			while (!this.#starting) {
				const next = this.#pending.shift();
				if (next === undefined) {
					break;
				}

				this.handle(next.event);
				next.handled?.(this.mark);
			}
		} finally {
			this.#busy = false;
		}
	}

	/** The start in flight is over: its outcome goes before anything that came meanwhile. */
	private startOver(outcome: TaskEvent): void {
		this.#starting = false;
		this.#pending.unshift({event: outcome});
		this.drain();
	}

	private handle(event: TaskEvent): void {
		const before = this.#record;
		const now = this.#deps.clock.now();
		const {record, effects} = transition(before, event, this.#spec, now, this.#deps.random());
		this.#record = record;
		if (record.state.kind === 'starting' && before.state.kind !== 'starting') {
			this.#admitted++;
		}

		this.#run = runAfter(this.#run, before, record, now);
		this.#times = timesAfter(this.#times, before, record, now);
		this.#timer.arm(deadlineOf(record.state));
		if (record !== before) {
			this.#deps.onChange({task: this, event, before, after: record});
		}

		for (const effect of effects) {
			this.execute(effect);
		}
	}

	private execute(effect: Effect): void {
		switch (effect.type) {
			case 'spawn': {
				this.spawn();
				break;
			}

			case 'signal': {
				this.#process?.signal(effect.signal);
				break;
			}

			case 'freeze':
			case 'thaw': {
				this.#process?.freeze(effect.type === 'freeze');
				break;
			}

			case 'enqueue': {
				this.#deps.onEnqueue(this);
				break;
			}
		}
	}

	private spawn(): void {
		try {
			this.#log.open();
		} catch (error) {
			this.dispatch(startFailure(error, this.#deps.starved, this.#log));
			return;
		}

		const notify = new NotifyParser();
		let pid: number | null = null;
		this.#pidStart = null;
		// A start may finish on a worker thread: events that come before it wait (see drain).
		this.#starting = true;
		const result = spawnTask(
			spawnRequest(this.#spec, taskEnvironment(this.#spec, this.#record.attempt, this.#info.checkpoint, this.#deps.baseEnv, this.#deps.socketPath), this.cwd),
			{
				onStdout: chunk => this.#output(chunk, 'stdout'),
				onStderr: chunk => this.#output(chunk, 'stderr'),
				onNotify: chunk => {
					for (const message of notify.push(chunk)) {
						this.notified(message);
					}

					if (this.#info.notifyGarbage !== notify.garbage) {
						this.#info = {...this.#info, notifyGarbage: notify.garbage};
					}
				},
				onStarted: (started, startTime) => {
					pid = started;
					this.#pidStart = startTime ?? processStartTime(started);
					this.startOver({type: 'spawned', pid: started});
				},
				onTracked: (tracked, startTime) => {
					pid = tracked;
					this.#pidStart = startTime;
					this.dispatch({type: 'forked', pid: tracked});
				},
				onSpawnError: message => this.startOver(startFailure(message, this.#deps.starved, this.#log)),
				onExit: (code, signal, escaped, oom) => {
					this.#log.flush();
					this.#process = null;
					this.dispatch({type: 'exited', pid: pid ?? -1, code, signal, ...(escaped.length > 0 ? {daemonized: escaped} : {}), ...(oom === null ? {} : {oom})});
				},
			},
			this.#deps.clock,
			this.#deps.cgroups,
		);
		if (!result.ok) {
			this.startOver(startFailure(result.error.message, this.#deps.starved, this.#log, result.error.permanent));
			return;
		}

		this.#process = result.value;
	}

	private notified(message: NotifyMessage): void {
		const now = this.#deps.clock.now();
		if (message.type === 'ready') {
			this.dispatch({type: 'ready'});
		} else if (message.type === 'heartbeat' && this.#run) {
			this.#run = {...this.#run, heartbeatAt: now};
		}

		this.#info = infoAfter(this.#info, message, now);
		this.#deps.onTouch?.(this);
	}

	/** Notify lines sent over the socket (`tm heartbeat --task ID`), handled like the fd-3 pipe's; returns how many were not valid messages. */
	receive(lines: string[]): number {
		const messages = parseNotifyLines(lines);
		for (const message of messages) {
			this.notified(message);
		}

		return lines.length - messages.length;
	}

	/** Sends a signal to the task's process group (`tm signal`); false when nothing runs. */
	signal(signal: string): boolean {
		return this.#process?.signal(signal) ?? false;
	}

	/** Arms the timer of a restored state (a backoff that was running when the daemon stopped). */
	resumeTimer(): void {
		this.#timer.arm(deadlineOf(this.#record.state));
	}

	/** Cancels the timer; the process (if any) is left to whoever calls this. */
	dispose(): void {
		if (this.#process instanceof AdoptedProcess) {
			this.#process.close();
		}

		this.#timer.cancel();
		this.#log.close();
	}
}
