/**
 * The JSON documents of `status` and `subscribe` (SPEC §6), built from the live supervisors.
 */
import type {HostDoc, StatusDoc, TaskStatus} from '../ipc/methods.js';
import {watchdogOf} from '../liveness.js';
import type {Supervisor} from '../supervisor.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One task's document; `taskTimeoutMs` is the daemon's default watchdog for tasks that send heartbeats. */
export function taskStatus(task: Supervisor, taskTimeoutMs: number): TaskStatus {
	const {record, spec, info} = task;
	const {state} = record;
	const lastExit = 'lastExit' in state ? state.lastExit : null;
	return {
		id: spec.id,
		name: spec.kind === 'job' ? spec.name : spec.id,
		program: spec.program,
		kind: spec.kind,
		state: state.kind,
		reason: state.reason,
		pid: task.pid,
		startedAt: state.kind === 'running' || state.kind === 'paused' ? iso(record.upSince ?? state.since) : null,
		restarts: record.restarts,
		attempt: record.attempt,
		exitCode: lastExit?.code ?? null,
		cpu: task.run?.cpu ?? null,
		memory: task.run?.rss ?? null,
		cpuSeconds: task.run?.cpuSeconds ?? null,
		heartbeatAt: iso(info.heartbeatAt),
		progress: info.progress,
		progressText: info.progressText,
		status: info.status,
		priority: spec.priority ?? 0,
		backoffUntil: state.kind === 'backoff' ? iso(state.until) : null,
		nextRunAt: iso(task.nextRunAt),
		watchdogMs: task.run ? watchdogOf(spec, task.run, taskTimeoutMs) : spec.watchdogMs,
		want: record.want,
	};
}

export function statusDoc(daemon: StatusDoc['daemon'], tasks: Supervisor[], host: HostDoc | null, taskTimeoutMs: number): StatusDoc {
	return {daemon, tasks: tasks.map(task => taskStatus(task, taskTimeoutMs)), host};
}
