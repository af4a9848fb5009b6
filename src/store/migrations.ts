/**
 * The schema of `tm.db`, as an append-only list of migrations keyed by `PRAGMA user_version`.
 *
 * `migrations[i]` takes the schema from version `i` to `i + 1`. Never edit a migration that has
 * shipped: append a new one. Each runs in its own transaction together with the `user_version`
 * bump, so a crash leaves the file at a version it really has.
 */
import type {Database} from 'better-sqlite3';

/** `PRAGMA application_id` of every tm database: 'tm01' in ASCII. */
export const TM_APPLICATION_ID = 0x746d3031;

const v1 = `
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE tasks (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	program TEXT NOT NULL,
	spec TEXT NOT NULL,
	want TEXT NOT NULL,
	state_kind TEXT NOT NULL,
	state TEXT NOT NULL,
	restarts INTEGER NOT NULL,
	attempt INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	crashes INTEGER NOT NULL,
	up_since INTEGER,
	progress REAL,
	progress_text TEXT,
	status TEXT,
	checkpoint TEXT,
	heartbeat_at INTEGER,
	priority INTEGER NOT NULL,
	queue_seq INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	finished_at INTEGER
);
CREATE INDEX tasks_kind_finished ON tasks (kind, finished_at);

CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
	attempt INTEGER NOT NULL,
	pid INTEGER NOT NULL,
	pid_start TEXT,
	boot_id TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	ended_at INTEGER,
	exit_code INTEGER,
	exit_signal TEXT,
	reason TEXT
);
CREATE INDEX runs_task ON runs (task_id, id);
CREATE INDEX runs_ended ON runs (ended_at);
CREATE INDEX runs_open ON runs (task_id, pid) WHERE ended_at IS NULL;

CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	task_id TEXT REFERENCES tasks (id) ON DELETE CASCADE,
	at INTEGER NOT NULL,
	type TEXT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX events_task ON events (task_id, id);
CREATE INDEX events_at ON events (at);
`;

/** Append-only: `migrations[i]` takes the schema from version `i` to `i + 1`. */
export const migrations: readonly string[] = [v1];

/** The schema version this tm writes and reads. */
export const LATEST_VERSION = migrations.length;

/** The `PRAGMA user_version` of an open database. */
export function schemaVersion(db: Database): number {
	return db.pragma('user_version', {simple: true}) as number;
}

/**
 * Brings `db` from its current version up to `target`, one transaction per migration. The first
 * migration also stamps tm's application id, in the same transaction, so a file has tm's tables
 * only if it carries tm's id.
 *
 * @param target The version to stop at; the latest by default (tests build older files with it).
 * @returns The versions applied, in order (empty when already there).
 */
export function migrate(db: Database, target: number = LATEST_VERSION): number[] {
	if (!Number.isInteger(target) || target < 0 || target > LATEST_VERSION) {
		throw new RangeError(`no schema version ${target}: this tm knows 0 to ${LATEST_VERSION}`);
	}

	const applied: number[] = [];
	for (let version = schemaVersion(db); version < target; version++) {
		const sql = migrations[version]!;
		const next = version + 1;
		db.transaction(() => {
			db.exec(sql);
			if (version === 0) {
				db.pragma(`application_id = ${TM_APPLICATION_ID}`);
			}

			db.pragma(`user_version = ${next}`);
		})();
		applied.push(next);
	}

	return applied;
}
