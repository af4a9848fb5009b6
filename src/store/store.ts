/**
 * The daemon's store: the one writer of `tm.db`. Synchronous; every multi-row write is one
 * transaction that never spans an event-loop tick. Times come in as arguments.
 */
import {mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import type {Database} from 'better-sqlite3';
import {openDatabase} from './db.js';
import {eventToRow, runFromRow, runStartToRow, taskToRow} from './mappers.js';
import {prepareReads, type ProblemSink, type Reads} from './reads.js';
import {prepareRecordReads, type RecordReads} from './records.js';
import {prepareStatements, type Statements} from './statements.js';
import {cannotOpen, cannotRead, cannotWrite, guardSqlite} from './store-errors.js';
import type {Batch, History, PruneOptions, PruneResult, RunOutcome, RunRow, StoreCounts, TaskRow} from './types.js';

/** `tm.db` as the daemon sees it: open once, write batches, read history, prune, close. */
export class Store {
	/**
	 * Opens (creating it and its folder, mode 0700, if needed) and migrates the database.
	 *
	 * @throws TmError `E_STORE` when the file is not tm's, is from a newer tm, or cannot be opened.
	 */
	static open(file: string): Store {
		try {
			mkdirSync(dirname(file), {recursive: true, mode: 0o700});
		} catch (error) {
			throw cannotOpen(file, error);
		}

		const db = openDatabase(file);
		try {
			return new Store(file, db);
		} catch (error) {
			db.close();
			throw cannotOpen(file, error);
		}
	}

	/** The database file, as given to `open`. */
	readonly file: string;
	readonly #db: Database;
	readonly #reads: Reads;
	readonly #records: RecordReads;
	readonly #statements: Statements;
	readonly #writeBatch: (batch: Batch) => void;
	readonly #prune: (jobCut: number, historyCut: number, limit: number) => PruneResult;

	private constructor(file: string, db: Database) {
		this.file = file;
		this.#db = db;
		this.#reads = prepareReads(db, file);
		this.#records = prepareRecordReads(db, file);
		const statements = prepareStatements(db);
		this.#statements = statements;
		this.#writeBatch = db.transaction((batch: Batch) => {
			for (const task of batch.tasks) {
				statements.upsertTask.run(taskToRow(task));
			}

			for (const start of batch.runStarts) {
				statements.insertRun.run(runStartToRow(start));
			}

			for (const end of batch.runEnds) {
				statements.endRun.run({
					task_id: end.taskId,
					pid: end.pid,
					ended_at: end.endedAt,
					exit_code: end.exitCode,
					exit_signal: end.exitSignal,
					reason: end.reason,
				});
			}

			for (const event of batch.events) {
				statements.insertEvent.run(eventToRow(event));
			}
		});
		this.#prune = db.transaction((jobCut: number, historyCut: number, limit: number): PruneResult => {
			const tasks = statements.pruneJobs.run({cut: jobCut, limit}).changes;
			const runs = statements.pruneRuns.run({cut: historyCut, limit}).changes;
			const events = statements.pruneEvents.run({cut: historyCut, limit}).changes;
			return {tasks, runs, events, more: tasks >= limit || runs >= limit || events >= limit};
		});
	}

	#write<T>(work: () => T): T {
		return guardSqlite(work, (error) => cannotWrite(this.file, error));
	}

	#read<T>(work: () => T): T {
		return guardSqlite(work, (error) => cannotRead(this.file, error));
	}

	/** A value of the `meta` table, or null. */
	getMeta(key: string): string | null {
		return this.#read(() => this.#statements.getMeta.get(key)) ?? null;
	}

	setMeta(key: string, value: string): void {
		this.#write(() => this.#statements.setMeta.run(key, value));
	}

	/**
	 * Every task, in queue order (`queueSeq`, then id).
	 *
	 * @param onProblem Told about each row that does not read back (bad JSON…); it is left out.
	 */
	loadTasks(onProblem?: ProblemSink): TaskRow[] {
		return this.#reads.tasks(onProblem);
	}

	/**
	 * Writes everything one event-loop turn changed, in one transaction, in this order: task
	 * upserts, run starts, run ends, events. If any statement fails nothing is written.
	 * A run end that matches no open run (same task and pid, `ended_at` null) changes nothing.
	 *
	 * @throws TmError `E_STORE` `cannot write <file>: <sqlite message>`, the SqliteError as cause.
	 */
	writeBatch(batch: Batch): void {
		this.#write(() => this.#writeBatch(batch));
	}

	/** Runs that have no end recorded, oldest first: after a restart, the processes to look for. */
	/** Whether a run of `taskId` with this attempt number was ever recorded. */
	hasRun(taskId: string, attempt: number): boolean {
		return this.#read(() => this.#statements.hasRun.get(taskId, attempt)) !== undefined;
	}

	/** When a task's latest run started and ended (null: never ran, or its runs were pruned). */
	lastRun(taskId: string): {startedAt: number; endedAt: number | null} | null {
		return this.#records.lastRun(taskId);
	}

	openRuns(): RunRow[] {
		return this.#read(() => this.#statements.openRuns.all()).map(runFromRow);
	}

	/**
	 * Records the end of one run by id, if it is still open.
	 *
	 * @returns Whether a run was closed.
	 */
	closeRun(runId: number, end: RunOutcome): boolean {
		const params = {id: runId, ended_at: end.endedAt, exit_code: end.exitCode, exit_signal: end.exitSignal, reason: end.reason};
		return this.#write(() => this.#statements.closeRun.run(params).changes) > 0;
	}

	/**
	 * Deletes a task with its runs and events.
	 *
	 * @returns Whether the task existed.
	 */
	deleteTask(id: string): boolean {
		return this.#write(() => this.#statements.deleteTask.run(id).changes) > 0;
	}

	/**
	 * The latest `limit` runs and `limit` events of one task, newest first.
	 *
	 * @param onProblem Told about each event whose data does not read back; it is left out.
	 */
	history(taskId: string, limit: number, onProblem?: ProblemSink): History {
		return this.#reads.history(taskId, limit, onProblem);
	}

	/**
	 * Deletes, in one transaction, at most `batchSize` rows of each kind: ended runs and events
	 * older than `now - historyMs`, and the rows of jobs finished before both cuts (a job that has
	 * left the live list keeps its row, which names it in `tm history`, as long as its history;
	 * its runs and events go with it, by cascade). Services are never deleted here. Call again on
	 * a later turn while `more` is true, so the daemon never stalls on a large backlog.
	 *
	 * @returns The rows deleted directly (cascaded rows are not counted) and whether a limit was hit.
	 */
	prune(options: PruneOptions): PruneResult {
		const {now, finishedMs, historyMs} = options;
		const limit = Math.max(1, Math.floor(options.batchSize));
		return this.#write(() => this.#prune(now - Math.max(finishedMs, historyMs), now - historyMs, limit));
	}

	/** Rows per table (counting walks each table: for tests, benchmarks and `tm doctor`, not hot paths). */
	counts(): StoreCounts {
		return this.#read(() => this.#statements.counts.get()) ?? {tasks: 0, runs: 0, events: 0};
	}

	/** Closes the connection; a clean close checkpoints the WAL and removes `-wal`/`-shm`. */
	close(): void {
		this.#db.close();
	}
}
