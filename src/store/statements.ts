/**
 * The daemon's write statements, prepared once per connection. SQL lives here and in reads.ts
 * only; the store class composes these into transactions.
 */
import type {Database, Statement} from 'better-sqlite3';
import type {EventSql, RunSql, TaskSql} from './mappers.js';

/** Every column of `tasks`: the record type makes the compiler check none is missing or extra. */
const taskColumnSet: Record<keyof TaskSql, true> = {
	id: true,
	kind: true,
	program: true,
	spec: true,
	want: true,
	state_kind: true,
	state: true,
	restarts: true,
	attempt: true,
	failures: true,
	crashes: true,
	up_since: true,
	progress: true,
	progress_text: true,
	status: true,
	checkpoint: true,
	heartbeat_at: true,
	priority: true,
	queue_seq: true,
	created_at: true,
	updated_at: true,
	finished_at: true,
};
const taskColumns = Object.keys(taskColumnSet);

const upsertTaskSql = `INSERT INTO tasks (${taskColumns.join(', ')})
VALUES (${taskColumns.map((column) => `@${column}`).join(', ')})
ON CONFLICT (id) DO UPDATE SET ${taskColumns
	.filter((column) => column !== 'id')
	.map((column) => `${column} = excluded.${column}`)
	.join(', ')}`;

type RunEndSql = Pick<RunSql, 'task_id' | 'pid' | 'ended_at' | 'exit_code' | 'exit_signal' | 'reason'>;
type RunCloseSql = Pick<RunSql, 'id' | 'ended_at' | 'exit_code' | 'exit_signal' | 'reason'>;
type Cut = {cut: number; limit: number};

/** The statements behind `Store`. */
export type Statements = {
	getMeta: Statement<[string], string>;
	setMeta: Statement<[string, string]>;
	upsertTask: Statement<[TaskSql]>;
	insertRun: Statement<[Omit<RunSql, 'id' | 'ended_at' | 'exit_code' | 'exit_signal' | 'reason'>]>;
	endRun: Statement<[RunEndSql]>;
	closeRun: Statement<[RunCloseSql]>;
	insertEvent: Statement<[Omit<EventSql, 'id'>]>;
	openRuns: Statement<[], RunSql>;
	hasRun: Statement<[string, number], number>;
	deleteTask: Statement<[string]>;
	pruneJobs: Statement<[Cut]>;
	pruneRuns: Statement<[Cut]>;
	pruneEvents: Statement<[Cut]>;
	counts: Statement<[], {tasks: number; runs: number; events: number}>;
};

/** Prepares every write statement (and the small reads that go with them) on `db`. */
export function prepareStatements(db: Database): Statements {
	const endSet = 'ended_at = @ended_at, exit_code = @exit_code, exit_signal = @exit_signal, reason = @reason';
	return {
		getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
		setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
		upsertTask: db.prepare(upsertTaskSql),
		insertRun: db.prepare(
			`INSERT INTO runs (task_id, attempt, pid, pid_start, boot_id, started_at)
			VALUES (@task_id, @attempt, @pid, @pid_start, @boot_id, @started_at)`,
		),
		// Matches the partial index runs_open.
		endRun: db.prepare(`UPDATE runs SET ${endSet} WHERE task_id = @task_id AND pid = @pid AND ended_at IS NULL`),
		closeRun: db.prepare(`UPDATE runs SET ${endSet} WHERE id = @id AND ended_at IS NULL`),
		insertEvent: db.prepare('INSERT INTO events (task_id, at, type, data) VALUES (@task_id, @at, @type, @data)'),
		openRuns: db.prepare<[], RunSql>('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id'),
		// Walks one task's runs through runs_task.
		hasRun: db.prepare<[string, number], number>('SELECT 1 FROM runs WHERE task_id = ? AND attempt = ? LIMIT 1').pluck(),
		deleteTask: db.prepare('DELETE FROM tasks WHERE id = ?'),
		// Each walks its index from the oldest row and stops at `limit`; runs and events of a pruned job go by cascade.
		pruneJobs: db.prepare(
			`DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE kind = 'job' AND finished_at < @cut ORDER BY finished_at LIMIT @limit)`,
		),
		pruneRuns: db.prepare('DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE ended_at < @cut ORDER BY ended_at LIMIT @limit)'),
		pruneEvents: db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < @cut ORDER BY at LIMIT @limit)'),
		counts: db.prepare(
			'SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM events) AS events',
		),
	};
}
