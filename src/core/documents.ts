/**
 * The read model: every document a client sees (SPEC §6) is built here and nowhere else: a
 * task, its detail, an event (which carries the task's whole document), a log line, the
 * status document. UIs paint from these; none patches a document or parses a reason.
 */
import type {QueueEntry} from './admitter.js';
import type {Claimed} from './capacity.js';
import type {TaskEventRecord} from './task-event.js';
import type {CapacityDoc, DiskDoc, EventDoc, HostDoc, LogLineDoc, QueueDoc, StatusDoc, TaskDetail, TaskRecordFields, TaskStatus} from './ipc/methods.js';
import {watchdogOf} from './liveness.js';
import type {LogLine} from './log/line-ring.js';
import type {DaemonSpec, ResourceCapacity} from './model.js';
import type {Supervisor} from './supervisor.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The task as a record (seed 001's job): when it was made, its latest run, what it runs where, and its limits. */
function recordFields(task: Supervisor): TaskRecordFields {
	const {spec, times} = task;
	return {
		createdAt: new Date(times.createdAt).toISOString(),
		endedAt: iso(times.lastRun?.endedAt ?? null),
		cmd: spec.cmd,
		cwd: task.cwd,
		limits: {maxRuntimeMs: spec.maxRuntimeMs, maxMemory: spec.maxMemory, maxCpu: spec.maxCpu ?? null, watchdogMs: spec.watchdogMs, stuck: spec.stuck && {...spec.stuck}},
		requires: {memory: spec.requires.memory, cpu: spec.requires.cpu},
	};
}

/** The daemon's heartbeat defaults: `task_timeout` (the default watchdog) and `heartbeat_interval`. */
export type HeartbeatDefaults = Pick<DaemonSpec, 'taskTimeoutMs' | 'heartbeatIntervalMs'>;

/** One task's document. */
export function taskDoc(task: Supervisor, daemon: HeartbeatDefaults): TaskStatus {
	const {record, spec, info} = task;
	const {state} = record;
	const lastExit = 'lastExit' in state ? state.lastExit : null;
	return {
		id: spec.id,
		name: spec.kind === 'job' ? spec.name : spec.id,
		...(spec.label ? {label: spec.label} : {}),
		program: spec.program,
		kind: spec.kind,
		state: state.kind,
		reason: state.reason,
		cause: record.cause,
		pid: task.pid,
		// From the spawn, not from reaching running; kept once the run is over (`endedAt`).
		startedAt: iso(task.times.lastRun?.startedAt ?? null),
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
		eligibleAt: state.kind === 'queued' ? iso(state.eligibleAt) : null,
		nextRunAt: iso(task.nextRunAt),
		watchdogMs: watchdogOf(spec, task.run, daemon.taskTimeoutMs),
		heartbeatIntervalMs: spec.heartbeatIntervalMs ?? daemon.heartbeatIntervalMs,
		want: record.want,
		failures: record.failures,
		maxRetries: spec.kind === 'job' ? spec.retries : spec.startretries,
		lastExit: lastExit && {code: lastExit.code, signal: lastExit.signal, at: new Date(lastExit.at).toISOString()},
		checkpointBytes: info.checkpoint === null ? 0 : Buffer.byteLength(info.checkpoint),
		...recordFields(task),
	};
}

export function statusDoc(daemon: StatusDoc['daemon'], tasks: Supervisor[], host: HostDoc | null, defaults: HeartbeatDefaults): StatusDoc {
	return {daemon, tasks: tasks.map(task => taskDoc(task, defaults)), host};
}

/** A program's instances now and the config's count (they differ after `tm scale`). */
export type Numprocs = (program: string) => {count: number; configured: number} | null;

/** Everything about one task: its document plus what changes only with the config. */
export function detailDoc(task: Supervisor, daemon: HeartbeatDefaults, numprocs?: Numprocs): TaskDetail {
	const {spec} = task;
	const count = {count: spec.numprocs, configured: spec.numprocs};
	return {
		...taskDoc(task, daemon),
		argv: spec.argv,
		user: spec.user,
		autorestart: spec.autorestart,
		exitcodes: spec.exitcodes,
		stopsignal: spec.stopsignal,
		stoptimeMs: spec.stoptimeMs,
		maxRuntimeMs: spec.maxRuntimeMs,
		maxMemory: spec.maxMemory,
		logs: task.logPaths,
		dependsOn: {...spec.dependsOn},
		schedule: spec.schedule,
		numprocs: spec.kind === 'job' ? null : (numprocs?.(spec.program) ?? count),
	};
}

/** The slots and resources (`max_running`, `taskmaster.capacity`) and what `holders` claim of them. */
export function capacityDoc(limits: {slots: number | null; resources: ResourceCapacity | undefined}, claimed: Claimed): CapacityDoc {
	const {slots, memory, cpu} = claimed;
	return {slots: limits.slots, memory: limits.resources?.memory ?? null, cpu: limits.resources?.cpu ?? null, claimed: {slots, memory, cpu}};
}

/** `tm queue`: the waiting tasks in start order (`Admitter.list`) and how many wait at each priority. */
export function queueDoc(entries: readonly QueueEntry[], capacity: CapacityDoc): QueueDoc {
	const depth = new Map<number, number>();
	const tasks = entries.map(({task, reason, cause}) => {
		const {spec, record} = task;
		const priority = spec.priority ?? 0;
		depth.set(priority, (depth.get(priority) ?? 0) + 1);
		return {
			id: spec.id,
			name: spec.kind === 'job' ? spec.name : spec.id,
			priority,
			requires: {memory: spec.requires.memory, cpu: spec.requires.cpu},
			eligibleAt: record.state.kind === 'queued' ? iso(record.state.eligibleAt) : null,
			queuedAt: new Date(record.state.since).toISOString(),
			reason,
			cause,
		};
	});
	return {tasks, depth: [...depth].sort(([a], [b]) => b - a).map(([priority, count]) => ({priority, count})), capacity};
}

export function eventDoc(event: TaskEventRecord): EventDoc {
	return {...event, at: new Date(event.at).toISOString()};
}

export function lineDoc(line: LogLine): LogLineDoc {
	return {seq: line.seq, at: new Date(line.at).toISOString(), stream: line.stream, text: line.text};
}

/** A file the daemon cannot write: since when, why, and whether it is a full disk (else an I/O error…). */
export type DiskProblem = {file: string; since: number; why: string; full: boolean};

/** The daemon's files: ok, or the first problem in words and every file that has one. */
export function diskDoc(problems: DiskProblem[], unsaved: number): DiskDoc {
	const first = problems[0];
	if (first === undefined) {
		return {ok: true, reason: null, since: null, files: [], unsaved};
	}

	const more = problems.length > 1 ? ` (and ${problems.length - 1} more ${problems.length === 2 ? 'file' : 'files'})` : '';
	return {
		ok: false,
		reason: `${first.full ? 'disk full' : 'disk error'}: cannot write ${first.file}: ${first.why}${more}`,
		since: iso(Math.min(...problems.map(problem => problem.since))),
		files: problems.map(problem => problem.file),
		unsaved,
	};
}
