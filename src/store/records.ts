/**
 * Reads of tasks as records, for both the daemon's store and the CLI's readonly one: a task's
 * latest run (its document's `startedAt`/`endedAt` after a restart), the tasks a name means, and
 * the events of many tasks at once (`tm history --all`, `tm events`), newest first.
 */
import type {Database} from 'better-sqlite3';
import type {Millis} from '../core/model.js';
import {eventFromRow, type EventSql} from './mappers.js';
import type {ProblemSink} from './reads.js';
import {cannotRead, guardSqlite} from './store-errors.js';
import type {EventRow} from './types.js';

/** An event with the name its task goes by (a job's `--name`), or null when its task is gone. */
export type NamedEvent = EventRow & {name: string | null};

/** Which events: since a time, of one type (`state`) or cause, of some tasks (ids); at most `limit`, newest first. */
export type EventFilter = {since?: Millis; type?: string; cause?: string; taskIds?: string[]; limit: number};

export type RecordReads = {
	lastRun(taskId: string): {startedAt: Millis; endedAt: Millis | null} | null;
	/** Task ids a name means: the id itself, else every task of that program (a job's program is its name). */
	tasksNamed(name: string): string[];
	events(filter: EventFilter, onProblem?: ProblemSink): NamedEvent[];
};

type NamedSql = EventSql & {name: string | null};

// A job's program is its name; a program's task goes by its id.
const named = `SELECT e.*, CASE t.kind WHEN 'job' THEN t.program ELSE e.task_id END AS name FROM events e LEFT JOIN tasks t ON t.id = e.task_id`;
// CASE keeps a row whose data is not JSON from failing the whole read (it is told, then left out).
const where = `e.at >= @since AND (@type IS NULL OR e.type = @type) AND (@cause IS NULL OR CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.cause') END = @cause)`;

/** Prepares the reads on `db`; `file` is named in errors. */
export function prepareRecordReads(db: Database, file: string): RecordReads {
	const lastRun = db.prepare<[string], {startedAt: Millis; endedAt: Millis | null}>(
		'SELECT started_at AS startedAt, ended_at AS endedAt FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT 1',
	);
	const exact = db.prepare<[string], string>('SELECT id FROM tasks WHERE id = ?').pluck();
	const byProgram = db.prepare<[string], string>('SELECT id FROM tasks WHERE program = ? ORDER BY queue_seq, id').pluck();
	type Params = {since: Millis; type: string | null; cause: string | null; limit: number};
	// Newest first: through the rowid; with a `since`, through events_at, which stops at `since`
	// (1,000,000 events: 0.1 ms instead of 140 ms when none is that recent); one task's through events_task.
	const all = db.prepare<[Params], NamedSql>(`${named} WHERE ${where} ORDER BY e.id DESC LIMIT @limit`);
	const recent = db.prepare<[Params], NamedSql>(`${named} WHERE ${where} ORDER BY e.at DESC, e.id DESC LIMIT @limit`);
	const ofTask = db.prepare<[Params & {task: string}], NamedSql>(`${named} WHERE e.task_id = @task AND ${where} ORDER BY e.id DESC LIMIT @limit`);
	const guarded = <T>(read: () => T): T => guardSqlite(read, error => cannotRead(file, error));

	return {
		lastRun: taskId => guarded(() => lastRun.get(taskId)) ?? null,
		tasksNamed: name => guarded(() => (exact.get(name) === undefined ? byProgram.all(name) : [name])),
		events({since, type, cause, taskIds, limit}, onProblem) {
			const params = {since: since ?? 0, type: type ?? null, cause: cause ?? null, limit: Math.max(0, Math.floor(limit))};
			const rows = guarded(() =>
				taskIds === undefined
					? (since === undefined ? all : recent).all(params)
					: taskIds
							.flatMap(task => ofTask.all({...params, task}))
							.sort((a, b) => b.id - a.id)
							.slice(0, params.limit),
			);
			const result: NamedEvent[] = [];
			for (const row of rows) {
				const event = eventFromRow(row);
				if (event.ok) {
					result.push({...event.value, name: row.name});
				} else {
					onProblem?.(event.error);
				}
			}

			return result;
		},
	};
}
