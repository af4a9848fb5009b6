/**
 * Cluster jobs as the documents every client already reads (`TaskStatus`, `TaskDetail`), with
 * `host` (who holds it) and `clusterState` added, so `tm tasks --cluster`, `tm show` and
 * `--json` readers need nothing new; and members as `tm hosts` lists them.
 */
import type {MemberDoc, RunParams, TaskDetail, TaskStatus} from '../ipc/methods.js';
import type {Cause, StateKind} from '../model.js';
import type {MemberRow} from './members.js';
import {requestsOf} from './requests.js';
import type {ClusterState, JobRow} from './queries.js';

const stateOf: Record<ClusterState, StateKind> = {queued: 'queued', running: 'running', completed: 'completed', failed: 'failed', cancelled: 'stopped', dead: 'fatal'};
const causeOf: Record<ClusterState, Cause> = {queued: 'submitted', running: 'admitted', completed: 'exit', failed: 'exit', cancelled: 'cancelled', dead: 'max_restarts'};
const iso = (at: Date | null): string | null => (at === null ? null : new Date(at).toISOString());

/** Running with its owner's copy frozen (`tm pause`, from any member): `paused`, as a local job would be. */
const pausedOf = (row: JobRow): boolean => row.state === 'running' && row.paused_at !== null && row.paused_at !== undefined;

export function jobStatus(row: JobRow): TaskStatus {
	const params = row.params as RunParams;
	const ended = iso(row.ended_at);
	const paused = pausedOf(row);
	return {
		id: row.id,
		name: row.name,
		// Checked by the member that took it (jobs.ts); kept in its params.
		...(typeof params.label === 'string' && params.label !== '' ? {label: params.label} : {}),
		program: row.name,
		kind: 'job',
		state: paused ? 'paused' : stateOf[row.state],
		reason: paused ? `paused on ${row.owner} since ${iso(row.paused_at)}` : row.reason,
		cause: paused ? 'requested' : causeOf[row.state],
		pid: null,
		startedAt: iso(row.started_at),
		restarts: Math.max(0, row.attempt - 1),
		attempt: row.attempt,
		exitCode: row.exit_code,
		cpu: null,
		memory: null,
		cpuSeconds: null,
		heartbeatAt: null,
		progress: null,
		progressText: null,
		status: null,
		priority: row.priority,
		backoffUntil: null,
		eligibleAt: row.state === 'queued' && row.delayed === true ? iso(row.run_at) : null,
		nextRunAt: null,
		watchdogMs: params.watchdogMs ?? null,
		heartbeatIntervalMs: params.heartbeatIntervalMs ?? 0,
		want: row.state === 'queued' || row.state === 'running' ? 'up' : 'down',
		failures: 0,
		maxRetries: row.max_attempts,
		lastExit: ended === null ? null : {code: row.exit_code, signal: null, at: ended},
		checkpointBytes: row.checkpoint === null ? 0 : Buffer.byteLength(row.checkpoint),
		host: row.owner,
		clusterState: paused ? 'paused' : row.state,
		createdAt: new Date(row.created_at).toISOString(),
		endedAt: ended,
		cmd: params.shell === true ? (params.argv[0] ?? '') : params.argv.join(' '),
		cwd: params.cwd ?? '(the running member\'s folder)',
		limits: {maxRuntimeMs: params.maxRuntimeMs ?? null, maxMemory: params.maxMemory ?? null, maxCpu: params.maxCpu ?? null, watchdogMs: params.watchdogMs ?? null, stuck: params.stuck ?? null},
		requires: requestsOf(params),
	};
}

export function jobDetail(row: JobRow): TaskDetail {
	const params = row.params as RunParams;
	const where = row.owner === null ? 'no member holds it' : `on ${row.owner}`;
	return {
		...jobStatus(row),
		argv: params.shell === true ? ['/bin/sh', '-c', params.argv[0] ?? ''] : params.argv,
		user: params.user ?? null,
		autorestart: 'never',
		exitcodes: [0],
		stopsignal: params.stopSignal ?? 'TERM',
		stoptimeMs: params.stopTimeoutMs ?? 10_000,
		maxRuntimeMs: params.maxRuntimeMs ?? null,
		maxMemory: params.maxMemory ?? null,
		logs: {stdout: `(cluster job: ${where})`, stderr: `(cluster job: ${where})`},
		dependsOn: Object.fromEntries(row.after.map(key => [key, 'succeeded'])),
		schedule: null,
	};
}

export function memberDoc(row: MemberRow): MemberDoc {
	return {
		name: row.name,
		version: row.version,
		state: row.state,
		lastSeen: new Date(row.last_seen).toISOString(),
		slotsUsed: row.slots_used,
		capacity: row.capacity,
		claims: row.claims,
		pid: row.pid,
	};
}
