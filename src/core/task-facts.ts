/**
 * What a Supervisor knows of its task besides the machine's record, as pure steps: what the task
 * reported about itself (notify messages), the facts of the current run the liveness checks read,
 * and the environment a start gets.
 */
import {newRun, type RunFacts} from './liveness.js';
import {pidOf} from './machine.js';
import type {Millis, TaskRecord, TaskSpec} from './model.js';
import type {NotifyMessage} from './notify.js';
import type {SpawnRequest} from './process/spawner.js';

/** What the task reported about itself on the notify channel. */
export type TaskInfo = {
	heartbeatAt: Millis | null;
	progress: number | null;
	progressText: string | null;
	status: string | null;
	checkpoint: string | null;
	notifyGarbage: number;
};

export const emptyInfo = (): TaskInfo => ({
	heartbeatAt: null,
	progress: null,
	progressText: null,
	status: null,
	checkpoint: null,
	notifyGarbage: 0,
});

/** The info after a notify message (`ready` is the machine's, not the info's). */
export function infoAfter(info: TaskInfo, message: NotifyMessage, now: Millis): TaskInfo {
	switch (message.type) {
		case 'heartbeat': {
			return {...info, heartbeatAt: now};
		}

		case 'progress': {
			return {...info, progress: message.percent, progressText: message.text};
		}

		case 'status': {
			return {...info, status: message.text};
		}

		case 'checkpoint': {
			return {...info, checkpoint: message.data};
		}

		case 'ready': {
			return info;
		}
	}
}

/** The current run's facts after a transition: a new pid is a new run; pauses are timed. */
export function runAfter(run: RunFacts | null, before: TaskRecord, after: TaskRecord, now: Millis): RunFacts | null {
	const pid = pidOf(after.state);
	if (pid === null) {
		return null;
	}

	let next = pid !== pidOf(before.state) || run === null ? newRun(now) : run;
	if (after.state.kind === 'paused' && before.state.kind !== 'paused') {
		next = {...next, pausedAt: now};
	} else if (before.state.kind === 'paused' && after.state.kind !== 'paused' && next.pausedAt !== null) {
		next = {...next, pausedMs: next.pausedMs + (now - next.pausedAt), pausedAt: null, resumedAt: now};
	}

	return next;
}

/** What a start of the task gets in its environment. */
export function taskEnvironment(spec: TaskSpec, attempt: number, checkpoint: string | null, baseEnv: Record<string, string>, socketPath: string | null): Record<string, string> {
	const env: Record<string, string> = {
		...baseEnv,
		...spec.env,
		TM_TASK_ID: spec.id,
		TM_TASK_NAME: spec.kind === 'job' ? spec.name : spec.id,
		TM_ATTEMPT: String(attempt),
		TM_NOTIFY_FD: '3',
	};
	if (socketPath) {
		env['TM_SOCKET'] = socketPath;
	}

	if (spec.watchdogMs !== null) {
		env['TM_WATCHDOG_MS'] = String(spec.watchdogMs);
	}

	// A job stored before `heartbeat_interval` existed has none.
	if ((spec.heartbeatIntervalMs ?? null) !== null) {
		env['TM_HEARTBEAT_INTERVAL_MS'] = String(spec.heartbeatIntervalMs);
	}

	if (checkpoint !== null) {
		env['TM_CHECKPOINT'] = checkpoint;
	}

	return env;
}

/** How a start of the task is asked of the spawner. */
export function spawnRequest(spec: TaskSpec, env: Record<string, string>, cwd: string): SpawnRequest {
	const {argv, umask, user, group} = spec;
	// A spec stored before `daemonizes` (or `max_cpu`) existed has none.
	return {argv, env, cwd, umask, user, group, daemonizes: spec.daemonizes === true, cgroup: {id: spec.id, memory: spec.maxMemory, cpu: spec.maxCpu ?? null}};
}

/** When a task's latest run was spawned and when it ended (null while it runs). */
export type RunTimes = {startedAt: Millis; endedAt: Millis | null};

/** A task as a record: when it was made, and its latest run (null before the first). */
export type TaskTimes = {createdAt: Millis; lastRun: RunTimes | null};

/** The times after a transition: a new pid is a new run (as the engine records runs), a pid gone ends it. */
export function timesAfter(times: TaskTimes, before: TaskRecord, after: TaskRecord, now: Millis): TaskTimes {
	const was = pidOf(before.state);
	const pid = pidOf(after.state);
	if (pid === was) {
		return times;
	}

	if (pid !== null) {
		return {...times, lastRun: {startedAt: now, endedAt: null}};
	}

	return times.lastRun === null ? times : {...times, lastRun: {...times.lastRun, endedAt: now}};
}
