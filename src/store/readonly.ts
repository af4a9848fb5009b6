/**
 * The only store module the CLI may import: `tm.db` opened readonly, for history and tasks
 * while the daemon is down (or up: WAL readers never block the writer, nor it them).
 */
import type {Database} from 'better-sqlite3';
import {connect} from './addon.js';
import {openDatabase} from './db.js';
import {prepareReads, type ProblemSink} from './reads.js';
import {prepareRecordReads, type EventFilter, type NamedEvent} from './records.js';
import {cannotOpen} from './store-errors.js';
import type {History, TaskRow} from './types.js';

/** What the CLI can read without the daemon. */
export type {EventFilter, NamedEvent} from './records.js';
export {historyDoc, readHistory, type HistoryFound} from './history-query.js';

export type ReadonlyStore = {
	/**
	 * The latest `limit` runs and events of a task, newest first. `taskIdOrName` is a task id, or
	 * else a program name that exactly one task belongs to.
	 *
	 * @returns The history with the task id it resolved to, or null when no task (or more than one) matches.
	 */
	history(taskIdOrName: string, limit: number, onProblem?: ProblemSink): (History & {taskId: string}) | null;
	/** Every task, in queue order; rows that do not read back are left out and told to `onProblem`. */
	tasks(onProblem?: ProblemSink): TaskRow[];
	/** The ids a name means: a task id, else every task of that program (a job's name). */
	tasksNamed(name: string): string[];
	/** Events of every task (or of `taskIds`), newest first, each with its task's name. */
	events(filter: EventFilter, onProblem?: ProblemSink): NamedEvent[];
	close(): void;
};

/**
 * Opens `tm.db` readonly.
 *
 * @throws TmError `E_STORE` when there is no database yet (start the daemon with `tm up`), when
 *   the file is not tm's or is from another tm version, or when SQLite cannot open it.
 */
export function openReadonlyStore(file: string): ReadonlyStore {
	const db: Database = openDatabase(file, {readonly: true});
	let prepared;
	try {
		prepared = {
			reads: prepareReads(db, file),
			records: prepareRecordReads(db, file),
		};
	} catch (error) {
		db.close();
		throw cannotOpen(file, error);
	}

	const {reads, records} = prepared;
	const resolve = (taskIdOrName: string): string | null => {
		const ids = records.tasksNamed(taskIdOrName);
		return ids.length === 1 ? ids[0]! : null;
	};

	return {
		history(taskIdOrName, limit, onProblem) {
			const taskId = resolve(taskIdOrName);
			return taskId === null ? null : {taskId, ...reads.history(taskId, limit, onProblem)};
		},
		tasks: (onProblem) => reads.tasks(onProblem),
		tasksNamed: name => records.tasksNamed(name),
		events: (filter, onProblem) => records.events(filter, onProblem),
		close() {
			db.close();
		},
	};
}

/** The SQLite library version tm is built with (for `tm version`). */
export function sqliteVersion(): string {
	const db = connect(':memory:');
	try {
		return (db.prepare('select sqlite_version() as v').get() as {v: string}).v;
	} finally {
		db.close();
	}
}
