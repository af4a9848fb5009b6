/**
 * The task state machine: one pure function from (record, event, spec, now) to
 * (record, effects). No I/O, no clock, no randomness of its own: the runtime feeds it facts
 * (a process exited, a deadline passed, a person asked) and executes the effects it returns.
 *
 * ```
 *                 start / restart                admit                 spawned
 *   stopped ─────────────────────► queued ──────────────► starting ─────────────────┐
 *                            (delayed: timer at │ eligibleAt, then it asks for a slot)
 *   completed                        ▲                    │  │ starttime passed     │
 *   failed                           │ backoff over       │  │ or READY=1           │
 *   fatal  ◄── failures > retries ── backoff ◄── exit ────┘  ▼                      │
 *     ▲                              ▲   ▲               running ◄── resume ── paused
 *     │                              │   └── exit (restart policy) ─┘ │   pause ──►  │
 *     │                              │                                │              │
 *     │            stop/restart/evict/fault: stopsignal to the group  ▼              │
 *     └───────────────────────────────────────────────────────── stopping ◄──────────┘
 *                                    SIGKILL at killAt; on exit: stopped | queued | backoff | failed
 * ```
 *
 * `fail` (`tm fail`, jobs only): queued or backoff → failed at once; a live one is stopped first
 * (`then: 'fail'`) and is failed once its group is gone.
 *
 * Each state has at most one deadline (`deadlineOf`); its expiry is the `timer` event.
 */
import {backoffDelay} from './backoff.js';
import {configDuration} from './durations.js';
import type {Cause, ExitInfo, FaultCause, Millis, StoppingThen, TaskRecord, TaskSpec, TaskState} from './model.js';

export type TaskEvent =
	/**
	 * A person or the config wants it up (autostart, `tm start`); `cause` says which (default `requested`).
	 * `eligibleAt`: from rest, it is queued but asks for no slot before then (`tm run --delay/--at`).
	 */
	| {type: 'start'; reason?: string; cause?: Cause; eligibleAt?: Millis}
	/** `tm retry`: a failed task gets its retries back and runs again as the next attempt (not before `eligibleAt`: `--delay`). */
	| {type: 'retry'; reason?: string; eligibleAt?: Millis}
	/** `tm fail`: a job goes to `failed` (the dead-letter list) by hand, stopped first if it runs. Programs ignore it. */
	| {type: 'fail'; reason?: string}
	/**
	 * A person or the config wants it down. With `shutdown`, the daemon is going away: the task
	 * stops but keeps its `want`, so it comes back when the daemon does.
	 */
	| {type: 'stop'; reason?: string; shutdown?: boolean; cause?: Cause}
	| {type: 'restart'; reason?: string; cause?: Cause}
	/** The scheduler granted a slot (capacity and dependencies allow it). */
	| {type: 'admit'}
	| {type: 'spawned'; pid: number}
	/**
	 * The start failed. With `wait`, for want of something the daemon shares (file descriptors):
	 * the task is queued again with `message` as its reason, the attempt not counted.
	 */
	/** `permanent`: the command, folder or user is not there; retrying cannot help until someone fixes it. */
	| {type: 'spawn-failed'; message: string; wait?: boolean; permanent?: boolean}
	/** READY=1 on the notify fd, or the ready line matched. */
	| {type: 'ready'}
	/** The process exited and its pipes are drained. */
	/** A `daemonizes` program's main process exited 0 leaving `pid` in a session of its own: tm tracks that one now. */
	| {type: 'forked'; pid: number}
	/** `daemonized`: processes it left in sessions of their own, which were killed with it. */
	| {type: 'exited'; pid: number; code: number | null; signal: string | null; daemonized?: number[]}
	/** The state's deadline (`deadlineOf`) may have passed. */
	| {type: 'timer'}
	| {type: 'pause'}
	| {type: 'resume'}
	/** Give the slot to someone else: stop gracefully and queue again. */
	| {type: 'evict'; reason: string}
	/** A liveness check failed (watchdog, max_runtime, max_memory, stuck): stop, then apply the restart policy. */
	| {type: 'fault'; reason: string; cause: FaultCause}
	/**
	 * A process a previous daemon left running was found for this task: stop it (the stop signal,
	 * SIGKILL at stoptime) before anything else. `want` is kept; with `then: 'restart'` the task
	 * is queued again once it is gone (attempt and counters carry on); with `fail` (a job failed
	 * by hand while it stopped) it is failed again, with its reason and cause.
	 */
	| {type: 'adopt'; pid: number; reason: string; then: 'stopped' | 'restart' | 'fail'}
	/** Still queued, for this reason (a slot, a dependency not met yet or failed, file descriptors). */
	| {type: 'wait'; reason: string; cause: 'capacity' | 'dependency' | 'descriptors'};

export type Effect =
	| {type: 'spawn'}
	/** Send a signal to the task's whole process group. */
	| {type: 'signal'; signal: string}
	/** Ask the scheduler for a slot; it answers with `admit`. */
	| {type: 'enqueue'};

export type Transition = {record: TaskRecord; effects: Effect[]};

/** The one deadline of a state, if it has one. */
export function deadlineOf(state: TaskState): Millis | null {
	switch (state.kind) {
		case 'starting': {
			return state.pid === null ? null : state.readyBy;
		}

		case 'backoff': {
			return state.until;
		}

		case 'stopping': {
			return state.killAt;
		}

		case 'queued': {
			return state.eligibleAt;
		}

		case 'running':
		case 'paused':
		case 'stopped':
		case 'completed':
		case 'failed':
		case 'fatal': {
			return null;
		}
	}
}

/** The pid of the live process, if the state has one. */
export function pidOf(state: TaskState): number | null {
	switch (state.kind) {
		case 'starting':
		case 'running':
		case 'stopping':
		case 'paused': {
			return state.pid;
		}

		case 'queued':
		case 'backoff':
		case 'stopped':
		case 'completed':
		case 'failed':
		case 'fatal': {
			return null;
		}
	}
}

export function initialRecord(now: Millis, reason = 'not started'): TaskRecord {
	return {
		state: {kind: 'stopped', since: now, reason, lastExit: null},
		cause: 'none',
		want: 'down',
		restarts: 0,
		attempt: 0,
		failures: 0,
		crashes: 0,
		upSince: null,
	};
}

/** `exit 1`, `killed by SIGKILL`. */
export function describeExit(exit: Pick<ExitInfo, 'code' | 'signal'>): string {
	return exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code ?? '?'}`;
}


const unchanged = (record: TaskRecord): Transition => ({record, effects: []});

/** What a change made by `event` is caused by, unless the transition says otherwise. */
function causeOf(event: TaskEvent): Cause {
	switch (event.type) {
		case 'start':
		case 'stop':
		case 'restart': {
			return event.cause ?? (event.type === 'stop' && event.shutdown ? 'shutdown' : 'requested');
		}

		case 'retry':
		case 'pause':
		case 'resume': {
			return 'requested';
		}

		case 'admit': {
			return 'admitted';
		}

		case 'spawned':
		case 'timer': {
			return 'spawned';
		}

		case 'spawn-failed': {
			return event.wait ? 'descriptors' : 'spawn_failed';
		}

		case 'ready': {
			return 'ready';
		}

		case 'exited': {
			return event.daemonized === undefined ? (event.signal === null ? 'exit' : 'signal') : 'daemonized';
		}

		case 'evict': {
			return 'evicted';
		}

		case 'forked': {
			return 'daemonized';
		}

		case 'adopt': {
			return 'orphan';
		}

		case 'fault':
		case 'wait': {
			return event.cause;
		}

		case 'fail': {
			return 'dead_letter';
		}
	}
}

/**
 * Decides what happens to a task when `event` occurs at `now`. `random` ∈ [0, 1) is drawn by the
 * runtime and only used for backoff jitter, so the function stays deterministic.
 */
export function transition(
	record: TaskRecord,
	event: TaskEvent,
	spec: TaskSpec,
	now: Millis,
	random = 0.5,
): Transition {
	const {state} = record;
	const cause = causeOf(event);
	const to = (next: TaskState, changes: Partial<TaskRecord> = {}, effects: Effect[] = []): Transition => ({
		record: {...record, cause, ...changes, state: next},
		effects,
	});

	/**
	 * Reaching `running`: a program's failed starts are forgiven (supervisord's rule); a job's
	 * failures are its retries, counted across runs until it succeeds or gives up.
	 */
	const up = (): Partial<TaskRecord> => (spec.kind === 'job' ? {upSince: now} : {failures: 0, upSince: now});

	/** Queued: it asks for a slot now, or (delayed) once `eligibleAt` comes, its deadline. */
	const queue = (reason: string, changes: Partial<TaskRecord> = {}, eligibleAt?: Millis): Transition =>
		eligibleAt !== undefined && eligibleAt > now
			? to({kind: 'queued', since: now, reason: `${reason}; delayed until ${new Date(eligibleAt).toISOString()}`, eligibleAt}, changes)
			: to({kind: 'queued', since: now, reason, eligibleAt: null}, changes, [{type: 'enqueue'}]);

	const stopping = (pid: number, reason: string, then: StoppingThen, changes: Partial<TaskRecord> = {}): Transition => {
		const effects: Effect[] = [{type: 'signal', signal: spec.stopsignal}];
		if (state.kind === 'paused') {
			// A stopped process only acts on the stop signal once it is continued.
			effects.push({type: 'signal', signal: 'SIGCONT'});
		}

		return to({kind: 'stopping', since: now, reason, pid, killAt: now + spec.stoptimeMs, then}, changes, effects);
	};

	/** A start that did not reach `running`: retry with backoff, or give up. */
	const failedStart = (reason: string, lastExit: ExitInfo | null, why: Cause = cause): Transition => {
		const failures = record.failures + 1;
		const limit = spec.kind === 'job' ? spec.retries : spec.startretries;
		// Seed 001's `timeout` is an outcome, not a failure to retry, unless the job asked for it.
		if (spec.kind === 'job' && why === 'max_runtime' && spec.retryOnTimeout !== true && failures <= limit) {
			return to({kind: 'failed', since: now, reason: `${reason}; not retried (tm run --retry-on-timeout would)`, lastExit}, {failures, upSince: null, cause: why});
		}

		if (failures > limit) {
			const kind = spec.kind === 'job' ? 'failed' : 'fatal';
			const tries = failures === 1 ? '1 try' : `${failures} tries`;
			return to({kind, since: now, reason: `${reason}; gave up after ${tries}`, lastExit}, {failures, upSince: null, cause: why});
		}

		const delay = backoffDelay(spec.backoff, failures, random);
		return to(
			{kind: 'backoff', since: now, reason: `${reason}; retry ${failures}/${limit} in ${configDuration(delay)}`, until: now + delay, lastExit},
			{failures, upSince: null, cause: why},
		);
	};

	/** A run that had started ended: the restart policy decides. */
	const ended = (exit: ExitInfo, fault: string | null, why: Cause = cause): Transition => {
		const text = fault ?? describeExit(exit);
		const expected = fault === null && exit.signal === null && exit.code !== null && spec.exitcodes.includes(exit.code);
		if (spec.kind === 'job') {
			return expected
				? to({kind: 'completed', since: now, reason: text, lastExit: exit}, {upSince: null, cause: why})
				: failedStart(text, exit, why);
		}

		if (spec.autorestart === 'never' || (spec.autorestart === 'unexpected' && expected)) {
			return expected
				? to({kind: 'completed', since: now, reason: text, lastExit: exit}, {upSince: null, cause: why})
				: to({kind: 'failed', since: now, reason: `${text} (autorestart: false)`, lastExit: exit}, {upSince: null, cause: why});
		}

		// systemd's StartLimitBurst: a program that keeps crashing after it started is given up on.
		const limit = spec.maxRestarts ?? null;
		const restartTimes = limit === null ? undefined : [...(record.restartTimes ?? []).filter(at => now - at < limit.withinMs), now];
		if (limit !== null && restartTimes !== undefined && restartTimes.length > limit.count) {
			const gaveUp = `gave up after ${limit.count} restarts within ${configDuration(limit.withinMs)} (max_restarts)`;
			return to({kind: 'fatal', since: now, reason: `${text}; ${gaveUp}`, lastExit: exit}, {upSince: null, cause: 'max_restarts', restartTimes: []});
		}

		const stable = record.upSince !== null && now - record.upSince >= spec.backoff.resetAfterMs;
		const crashes = (stable ? 0 : record.crashes) + 1;
		const delay = backoffDelay(spec.backoff, crashes, random);
		return to(
			{kind: 'backoff', since: now, reason: `${text}; restart in ${configDuration(delay)}`, until: now + delay, lastExit: exit},
			{crashes, upSince: null, cause: why, ...(restartTimes === undefined ? {} : {restartTimes})},
		);
	};

	switch (event.type) {
		case 'start': {
			const reason = event.reason ?? 'start requested';
			switch (state.kind) {
				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return queue(reason, {want: 'up', attempt: 0, failures: 0, crashes: 0, restartTimes: []}, event.eligibleAt);
				}

				case 'backoff': {
					return queue(reason, {want: 'up'}, event.eligibleAt);
				}

				case 'stopping': {
					return to({...state, then: state.then === 'stopped' ? 'restart' : state.then}, {want: 'up'});
				}

				case 'queued':
				case 'starting':
				case 'running':
				case 'paused': {
					return to(state, {want: 'up'});
				}
			}

			return unreachable(state);
		}

		case 'stop': {
			const reason = event.reason ?? 'stopped by request';
			const want = event.shutdown ? record.want : 'down';
			// A delayed job has nothing to stop: it keeps its time for the next daemon (kept in tm.db).
			if (event.shutdown && state.kind === 'queued' && state.eligibleAt !== null) {
				return unchanged(record);
			}

			switch (state.kind) {
				case 'queued':
				case 'backoff': {
					return to({kind: 'stopped', since: now, reason, lastExit: state.kind === 'backoff' ? state.lastExit : null}, {want});
				}

				case 'starting': {
					return state.pid === null
						? to({kind: 'stopped', since: now, reason, lastExit: null}, {want})
						: stopping(state.pid, reason, 'stopped', {want});
				}

				case 'running':
				case 'paused': {
					return stopping(state.pid, reason, 'stopped', {want});
				}

				case 'stopping': {
					return to({...state, then: 'stopped'}, {want});
				}

				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return to(state, {want});
				}
			}

			return unreachable(state);
		}

		case 'restart': {
			const reason = event.reason ?? 'restart requested';
			switch (state.kind) {
				case 'starting': {
					return state.pid === null ? to(state, {want: 'up'}) : stopping(state.pid, reason, 'restart', {want: 'up'});
				}

				case 'running':
				case 'paused': {
					return stopping(state.pid, reason, 'restart', {want: 'up'});
				}

				case 'stopping': {
					return to({...state, then: 'restart'}, {want: 'up'});
				}

				case 'queued': {
					return to(state, {want: 'up'});
				}

				case 'backoff': {
					return queue(reason, {want: 'up'});
				}

				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return queue(reason, {want: 'up', attempt: 0, failures: 0, crashes: 0, restartTimes: []});
				}
			}

			return unreachable(state);
		}

		case 'admit': {
			// A delayed task never asks before its time; nor is it started if asked.
			if (state.kind !== 'queued' || (state.eligibleAt !== null && now < state.eligibleAt)) {
				return unchanged(record);
			}

			const readyBy = spec.starttimeMs > 0 || spec.ready.kind !== 'none' ? now + spec.starttimeMs : null;
			return to(
				{kind: 'starting', since: now, reason: record.attempt > 0 ? `attempt ${record.attempt + 1}` : 'starting', pid: null, readyBy},
				{attempt: record.attempt + 1, restarts: record.restarts + (record.attempt > 0 ? 1 : 0)},
				[{type: 'spawn'}],
			);
		}

		case 'spawned': {
			if (state.kind !== 'starting' || state.pid !== null) {
				return unchanged(record);
			}

			if (state.readyBy === null) {
				return to({kind: 'running', since: now, reason: 'started', pid: event.pid}, up());
			}

			// A ready check without a starttime waits for READY with no deadline.
			const readyBy = spec.starttimeMs > 0 ? state.readyBy : null;
			return to({...state, pid: event.pid, readyBy});
		}

		case 'forked': {
			const tracking = `daemonized: tracking pid ${event.pid}`;
			switch (state.kind) {
				case 'starting':
				case 'running':
				case 'paused': {
					return state.pid === null ? unchanged(record) : to({...state, pid: event.pid, reason: tracking});
				}

				case 'stopping': {
					// The stop goes on, now to the process that stayed.
					return to({...state, pid: event.pid, reason: `${state.reason}; ${tracking}`}, {cause: record.cause}, [{type: 'signal', signal: spec.stopsignal}]);
				}

				case 'queued':
				case 'backoff':
				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return unchanged(record);
				}
			}

			return unreachable(state);
		}

		case 'spawn-failed': {
			if (state.kind !== 'starting' || state.pid !== null) {
				return unchanged(record);
			}

			// Not the task's failure: it goes back to the queue as if it had not been admitted.
			if (event.permanent === true) {
				// Once, not startretries times: the same start would fail the same way.
				const kind = spec.kind === 'job' ? 'failed' : 'fatal';
				return to({kind, since: now, reason: `${event.message}; not retried: fix it, then tm start`, lastExit: null}, {failures: record.failures + 1, upSince: null});
			}

			return event.wait
				? queue(event.message, {attempt: record.attempt - 1, restarts: record.restarts - (record.attempt > 1 ? 1 : 0)})
				: failedStart(event.message, null);
		}

		case 'ready': {
			if (state.kind === 'starting' && state.pid !== null && spec.ready.kind !== 'none') {
				return to({kind: 'running', since: now, reason: 'ready', pid: state.pid}, up());
			}

			return unchanged(record);
		}

		case 'timer': {
			const deadline = deadlineOf(state);
			if (deadline === null || now < deadline) {
				return unchanged(record);
			}

			switch (state.kind) {
				case 'starting': {
					if (state.pid === null) {
						return unchanged(record);
					}

					if (spec.ready.kind === 'none') {
						return to(
							{kind: 'running', since: now, reason: `started (up ${configDuration(spec.starttimeMs)})`, pid: state.pid},
							up(),
						);
					}

					return stopping(state.pid, `not ready after ${configDuration(spec.starttimeMs)}`, 'fail-start', {cause: 'timeout'});
				}

				case 'backoff': {
					return queue(`retrying (attempt ${record.attempt + 1})`, {cause: 'backoff_over'});
				}

				case 'queued': {
					return queue('delay over', {cause: 'delay_over'});
				}

				case 'stopping': {
					// The escalation keeps the cause of the stop it finishes.
					return to({...state, killAt: null, reason: `${state.reason}; SIGKILL after ${configDuration(spec.stoptimeMs)}`}, {cause: record.cause}, [
						{type: 'signal', signal: 'SIGKILL'},
					]);
				}

				case 'running':
				case 'paused':
				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return unchanged(record);
				}
			}

			return unreachable(state);
		}

		case 'exited': {
			if (pidOf(state) !== event.pid) {
				return unchanged(record);
			}

			const exit: ExitInfo = {code: event.code, signal: event.signal, at: now};
			// A program that forks into the background escapes supervision: a failure, whatever its code.
			const escaped =
				event.daemonized === undefined
					? null
					: `${describeExit(exit)}, leaving pid ${event.daemonized.join(', ')} in the background (it daemonized); tm stopped ${event.daemonized.length === 1 ? 'it' : 'them'}: run the program in the foreground (its foreground flag, e.g. nginx -g 'daemon off;')`;
			switch (state.kind) {
				case 'starting': {
					return failedStart(escaped ?? `${describeExit(exit)} before starttime`, exit);
				}

				case 'running':
				case 'paused': {
					return ended(exit, escaped);
				}

				case 'stopping': {
					switch (state.then) {
						case 'stopped': {
							return to({kind: 'stopped', since: now, reason: state.reason, lastExit: exit}, {upSince: null, cause: record.cause});
						}

						case 'restart': {
							return queue(state.reason, {upSince: null, cause: record.cause});
						}

						case 'requeue': {
							// Evicted: no retry is used, but the run counts (it may have done some of the work), so TM_ATTEMPT goes on.
							return queue(state.reason, {upSince: null, cause: record.cause});
						}

						case 'fail-start': {
							return failedStart(state.reason, exit, record.cause);
						}

						case 'crash': {
							return ended(exit, state.reason, record.cause);
						}

						case 'fail': {
							return to({kind: 'failed', since: now, reason: state.reason, lastExit: exit}, {upSince: null, cause: record.cause});
						}
					}

					return unreachable(state.then);
				}

				case 'queued':
				case 'backoff':
				case 'stopped':
				case 'completed':
				case 'failed':
				case 'fatal': {
					return unchanged(record);
				}
			}

			return unreachable(state);
		}

		case 'pause': {
			return state.kind === 'running'
				? to({kind: 'paused', since: now, reason: 'paused by request', pid: state.pid, runningSince: state.since}, {}, [
						{type: 'signal', signal: 'SIGSTOP'},
					])
				: unchanged(record);
		}

		case 'resume': {
			return state.kind === 'paused'
				? to({kind: 'running', since: state.runningSince, reason: 'resumed', pid: state.pid}, {}, [{type: 'signal', signal: 'SIGCONT'}])
				: unchanged(record);
		}

		case 'evict': {
			const pid = pidOf(state);
			return pid !== null && state.kind !== 'stopping' ? stopping(pid, event.reason, 'requeue') : unchanged(record);
		}

		case 'adopt': {
			if (pidOf(state) !== null) {
				return unchanged(record);
			}

			return event.then === 'fail' ? stopping(event.pid, `${state.reason}; ${event.reason}`, 'fail', {cause: record.cause}) : stopping(event.pid, event.reason, event.then);
		}

		case 'retry': {
			return state.kind === 'failed' || state.kind === 'fatal'
				? queue(event.reason ?? 'retry requested', {want: 'up', failures: 0, crashes: 0, restartTimes: []}, event.eligibleAt)
				: unchanged(record);
		}

		case 'fail': {
			return spec.kind === 'job' ? failByHand(record, event.reason, to, stopping, now) : unchanged(record);
		}

		case 'wait': {
			return state.kind === 'queued' && state.reason !== event.reason ? to({...state, reason: event.reason}) : unchanged(record);
		}

		case 'fault': {
			const pid = pidOf(state);
			if (pid === null || state.kind === 'stopping') {
				return unchanged(record);
			}

			return stopping(pid, event.reason, state.kind === 'starting' ? 'fail-start' : 'crash');
		}
	}

	return unreachable(event);
}

/** `tm fail`: what is not running is failed now; what runs is stopped first (`then: 'fail'`); a finished job is left as it is. */
function failByHand(
	record: TaskRecord,
	why: string | undefined,
	to: (next: TaskState, changes?: Partial<TaskRecord>) => Transition,
	stopping: (pid: number, reason: string, then: StoppingThen) => Transition,
	now: Millis,
): Transition {
	const {state} = record;
	const reason = why === undefined || why === '' ? 'failed by hand' : `failed by hand: ${why}`;
	switch (state.kind) {
		case 'queued':
		case 'backoff': {
			return to({kind: 'failed', since: now, reason, lastExit: state.kind === 'backoff' ? state.lastExit : null}, {upSince: null});
		}

		case 'starting': {
			return state.pid === null ? to({kind: 'failed', since: now, reason, lastExit: null}, {upSince: null}) : stopping(state.pid, reason, 'fail');
		}

		case 'running':
		case 'paused': {
			return stopping(state.pid, reason, 'fail');
		}

		case 'stopping': {
			return to({...state, reason, then: 'fail'});
		}

		case 'stopped':
		case 'completed':
		case 'failed':
		case 'fatal': {
			return unchanged(record);
		}
	}
}

function unreachable(value: never): never {
	throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
