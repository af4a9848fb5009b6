/**
 * The reads both the daemon's store and the CLI's readonly store run: tasks, and one task's
 * history. Statements are prepared once per connection.
 */
import type {Database} from 'better-sqlite3';
import {eventFromRow, rowToTask, runFromRow, type EventSql, type RowProblem, type RunSql, type TaskSql} from './mappers.js';
import {cannotRead, guardSqlite} from './store-errors.js';
import type {History, TaskRow} from './types.js';

/** Told about each row that could not be read back and was left out. */
export type ProblemSink = (problem: RowProblem) => void;

/** Both walk the `(task_id, id)` index backwards: newest first, `limit` rows read, whatever the table size. */
export const historySql = {
	runs: 'SELECT * FROM runs WHERE task_id = ? ORDER BY id DESC LIMIT ?',
	events: 'SELECT * FROM events WHERE task_id = ? ORDER BY id DESC LIMIT ?',
} as const;

const tasksSql = 'SELECT * FROM tasks ORDER BY queue_seq, id';

/** The reads of one connection. */
export type Reads = {
	tasks(onProblem?: ProblemSink): TaskRow[];
	history(taskId: string, limit: number, onProblem?: ProblemSink): History;
};

/**
 * Prepares the reads on `db`.
 *
 * @param file Named in errors.
 */
export function prepareReads(db: Database, file: string): Reads {
	const tasks = db.prepare<[], TaskSql>(tasksSql);
	const runs = db.prepare<[string, number], RunSql>(historySql.runs);
	const events = db.prepare<[string, number], EventSql>(historySql.events);
	// One read transaction, so the runs and the events come from the same snapshot.
	const readHistory = db.transaction((taskId: string, count: number) => ({runs: runs.all(taskId, count), events: events.all(taskId, count)}));
	const guarded = <T>(read: () => T): T => guardSqlite(read, (error) => cannotRead(file, error));

	return {
		tasks(onProblem) {
			const rows = guarded(() => tasks.all());
			const result: TaskRow[] = [];
			for (const row of rows) {
				const task = rowToTask(row);
				if (task.ok) {
					result.push(task.value);
				} else {
					onProblem?.(task.error);
				}
			}

			return result;
		},
		history(taskId, limit, onProblem) {
			// A negative LIMIT means no limit to SQLite.
			const count = Math.max(0, Math.floor(limit));
			const rows = guarded(() => readHistory(taskId, count));
			const result: History = {runs: rows.runs.map(runFromRow), events: []};
			for (const row of rows.events) {
				const event = eventFromRow(row);
				if (event.ok) {
					result.events.push(event.value);
				} else {
					onProblem?.(event.error);
				}
			}

			return result;
		},
	};
}
