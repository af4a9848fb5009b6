/**
 * Pure mapping between tm's rows (types.ts) and SQL rows. JSON columns are parsed here; a row
 * that does not parse comes back as a `RowProblem` naming it, so one bad row never stops a load.
 */
import {err, ok, type Result} from '../core/errors.js';
import {stateKinds, type Cause, type StateKind, type TaskKind, type TaskSpec, type TaskState, type Want} from '../core/model.js';
import type {EventRow, NewEvent, RunRow, RunStart, TaskRow} from './types.js';

/** A `tasks` row as SQLite stores it. */
export type TaskSql = {
	id: string;
	kind: string;
	program: string;
	spec: string;
	want: string;
	state_kind: string;
	state: string;
	restarts: number;
	attempt: number;
	failures: number;
	crashes: number;
	up_since: number | null;
	progress: number | null;
	progress_text: string | null;
	status: string | null;
	checkpoint: string | null;
	heartbeat_at: number | null;
	priority: number;
	queue_seq: number;
	created_at: number;
	updated_at: number;
	finished_at: number | null;
};

/** A `runs` row as SQLite stores it. */
export type RunSql = {
	id: number;
	task_id: string;
	attempt: number;
	pid: number;
	pid_start: string | null;
	boot_id: string;
	started_at: number;
	ended_at: number | null;
	exit_code: number | null;
	exit_signal: string | null;
	reason: string | null;
};

/** An `events` row as SQLite stores it. */
export type EventSql = {id: number; task_id: string | null; at: number; type: string; data: string};

/** A stored row tm could not read back, named by table and id. */
export type RowProblem = {table: 'tasks' | 'events'; id: string; message: string};

const taskKinds: readonly string[] = ['service', 'job'] satisfies TaskKind[];
const wants: readonly string[] = ['up', 'down'] satisfies Want[];

/** Parses a JSON column that must hold an object, or says why it does not. */
function parseObject(text: string, column: string): Result<Record<string, unknown>, string> {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return err(`${column} is not valid JSON (${(error as Error).message})`);
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return err(`${column} is not a JSON object`);
	}

	return ok(value as Record<string, unknown>);
}

/**
 * A spec never changes once made (a reload makes a new one): its JSON is kept for the specs
 * written last, as a task's rows are written close together (submitted, admitted, started,
 * ended). Bounded: kept for every task it was 0.8 KB a task, 80 MB with 100,000 queued jobs.
 */
const specJson = new Map<object, string>();
const specJsonKept = 4096;

function jsonOfSpec(spec: object): string {
	let json = specJson.get(spec);
	if (json === undefined) {
		json = JSON.stringify(spec);
		specJson.set(spec, json);
		if (specJson.size > specJsonKept) {
			// The oldest first (a Map keeps insertion order).
			specJson.delete(specJson.keys().next().value as object);
		}
	}

	return json;
}

/** The SQL row of a task, JSON columns serialised. */
export function taskToRow(task: TaskRow): TaskSql {
	const {record, info} = task;
	return {
		id: task.id,
		kind: task.kind,
		program: task.program,
		spec: jsonOfSpec(task.spec),
		want: record.want,
		state_kind: record.state.kind,
		// The cause of the last transition and the restarts counted for `max_restarts` travel in the state's JSON (no columns of their own).
		state: JSON.stringify({...record.state, cause: record.cause, ...(record.restartTimes?.length ? {restartTimes: record.restartTimes} : {})}),
		restarts: record.restarts,
		attempt: record.attempt,
		failures: record.failures,
		crashes: record.crashes,
		up_since: record.upSince,
		progress: info.progress,
		progress_text: info.progressText,
		status: info.status,
		checkpoint: info.checkpoint,
		heartbeat_at: info.heartbeatAt,
		priority: task.priority,
		queue_seq: task.queueSeq,
		created_at: task.createdAt,
		updated_at: task.updatedAt,
		finished_at: task.finishedAt,
	};
}

/**
 * The task a SQL row holds.
 *
 * @returns The task, or a problem naming the row when a JSON column does not parse or a
 *   column holds a value tm does not know.
 */
export function rowToTask(row: TaskSql): Result<TaskRow, RowProblem> {
	const problem = (message: string): Result<never, RowProblem> =>
		err({table: 'tasks', id: row.id, message: `task ${row.id}: ${message}`});
	if (!taskKinds.includes(row.kind)) {
		return problem(`unknown kind ${JSON.stringify(row.kind)}`);
	}

	if (!wants.includes(row.want)) {
		return problem(`unknown want ${JSON.stringify(row.want)}`);
	}

	const spec = parseObject(row.spec, 'spec');
	if (!spec.ok) {
		return problem(spec.error);
	}

	const state = parseObject(row.state, 'state');
	if (!state.ok) {
		return problem(state.error);
	}

	if (!stateKinds.includes(state.value['kind'] as StateKind)) {
		return problem(`state has unknown kind ${JSON.stringify(state.value['kind'])}`);
	}

	return ok({
		id: row.id,
		kind: row.kind as TaskKind,
		program: row.program,
		spec: spec.value as TaskSpec,
		record: {
			state: stateOf(state.value),
			cause: typeof state.value['cause'] === 'string' ? (state.value['cause'] as Cause) : 'none',
			want: row.want as Want,
			restarts: row.restarts,
			attempt: row.attempt,
			failures: row.failures,
			crashes: row.crashes,
			upSince: row.up_since,
			...restartTimesOf(state.value),
		},
		info: {
			progress: row.progress,
			progressText: row.progress_text,
			status: row.status,
			checkpoint: row.checkpoint,
			heartbeatAt: row.heartbeat_at,
		},
		priority: row.priority,
		queueSeq: row.queue_seq,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
		finishedAt: row.finished_at,
	});
}

/** The SQL row of a run that just started (SQLite assigns the id). */
export function runStartToRow(start: RunStart): Omit<RunSql, 'id' | 'ended_at' | 'exit_code' | 'exit_signal' | 'reason'> {
	return {
		task_id: start.taskId,
		attempt: start.attempt,
		pid: start.pid,
		pid_start: start.pidStart,
		boot_id: start.bootId,
		started_at: start.startedAt,
	};
}

/** The run a SQL row holds. */
export function runFromRow(row: RunSql): RunRow {
	return {
		id: row.id,
		taskId: row.task_id,
		attempt: row.attempt,
		pid: row.pid,
		pidStart: row.pid_start,
		bootId: row.boot_id,
		startedAt: row.started_at,
		endedAt: row.ended_at,
		exitCode: row.exit_code,
		exitSignal: row.exit_signal,
		reason: row.reason,
	};
}

/** The SQL row of a new event (SQLite assigns the id). */
export function eventToRow(event: NewEvent): Omit<EventSql, 'id'> {
	return {task_id: event.taskId, at: event.at, type: event.type, data: JSON.stringify(event.data)};
}

/**
 * The event a SQL row holds.
 *
 * @returns The event, or a problem naming the row when `data` is not a JSON object.
 */
export function eventFromRow(row: EventSql): Result<EventRow, RowProblem> {
	const data = parseObject(row.data, 'data');
	if (!data.ok) {
		return err({table: 'events', id: String(row.id), message: `event ${row.id}: ${data.error}`});
	}

	return ok({id: row.id, taskId: row.task_id, at: row.at, type: row.type, data: data.value});
}

/** The state without the `cause` and `restartTimes` stored beside it; a queued row written before delays existed has no `eligibleAt` (not delayed). */
function stateOf(value: Record<string, unknown>): TaskState {
	const {cause: _cause, restartTimes: _times, ...state} = value;
	if (state['kind'] === 'queued' && typeof state['eligibleAt'] !== 'number') {
		state['eligibleAt'] = null;
	}

	return state as TaskState;
}

/** The restart times stored beside the state, when they are a list of numbers. */
function restartTimesOf(value: Record<string, unknown>): {restartTimes?: number[]} {
	const times = value['restartTimes'];
	return Array.isArray(times) && times.every(t => typeof t === 'number') ? {restartTimes: times as number[]} : {};
}
