/**
 * A complete TaskStatus document (SPEC §6) for tests that build status documents by hand: a
 * running service with nothing sampled, changed by `fields`.
 */
import type {DiskDoc, EventDoc, TaskStatus} from '../../src/core/ipc/methods.js';

/** The `disk` of a daemon document whose files can all be written. */
export const diskOk: DiskDoc = {ok: true, reason: null, since: null, files: [], unsaved: 0};

export function taskStatus(id: string, fields: Partial<TaskStatus> = {}): TaskStatus {
	return {
		id,
		name: id,
		program: id.split(':')[0] ?? id,
		kind: 'service',
		state: 'running',
		reason: 'started',
		pid: 100,
		startedAt: null,
		restarts: 0,
		attempt: 1,
		exitCode: null,
		cpu: null,
		memory: null,
		cpuSeconds: null,
		heartbeatAt: null,
		progress: null,
		progressText: null,
		status: null,
		priority: 0,
		backoffUntil: null,
		eligibleAt: null,
		nextRunAt: null,
		watchdogMs: null,
		heartbeatIntervalMs: 10_000,
		want: 'up',
		cause: 'none',
		failures: 0,
		maxRetries: 3,
		lastExit: null,
		checkpointBytes: 0,
		createdAt: '2026-11-23T10:00:00.000Z',
		endedAt: null,
		cmd: `run ${id}`,
		cwd: '/srv',
		limits: {maxRuntimeMs: null, maxMemory: null, watchdogMs: null, stuck: null},
		...fields,
	};
}

/** A complete event document for `taskId` going `from` → `to`, its task document to match, changed by `fields`. */
export function eventDoc(seq: number, fields: Partial<EventDoc> & {taskId: string}): EventDoc {
	const from = fields.from ?? 'running';
	const to = fields.to ?? 'backoff';
	const base = {seq, at: new Date(seq * 1000).toISOString(), type: 'state', from, to, reason: 'test', pid: null, restarts: 0, attempt: 1, exit: null, cause: 'none' as const};
	const merged = {...base, ...fields};
	return {...merged, task: fields.task ?? taskStatus(fields.taskId, {state: to as TaskStatus['state'], reason: merged.reason, pid: merged.pid, restarts: merged.restarts, attempt: merged.attempt, cause: merged.cause})};
}
