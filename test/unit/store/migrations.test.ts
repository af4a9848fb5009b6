import assert from 'node:assert/strict';
import {statSync, writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type {Database} from 'better-sqlite3';
import {openDatabase} from '../../../src/store/db.js';
import {LATEST_VERSION, migrate, migrations, schemaVersion, TM_APPLICATION_ID} from '../../../src/store/migrations.js';
import {Store} from '../../../src/store/store.js';
import {tempHome} from '../../helpers/store-fixtures.js';

const home = tempHome();
after(home.cleanup);
let files = 0;
const nextFile = (): string => `${home.dir}/db-${++files}.db`;

/**
 * Rows written with the SQL of the version that introduced them (never through the mappers,
 * which follow the latest schema), and how to tell they survived. A new migration that changes
 * these tables appends a seed with `since` set to its version.
 */
const seeds: Array<{since: number; insert(db: Database): void; check(store: Store): void}> = [
	{
		since: 1,
		insert(db) {
			const spec = JSON.stringify({id: 'old', kind: 'service', program: 'old', cmd: 'sleep 1'});
			const state = JSON.stringify({kind: 'stopped', since: 5, reason: 'stopped by request', lastExit: null});
			db.prepare(
				`INSERT INTO tasks (id, kind, program, spec, want, state_kind, state, restarts, attempt, failures, crashes,
				up_since, progress, progress_text, status, checkpoint, heartbeat_at, priority, queue_seq, created_at, updated_at, finished_at)
				VALUES ('old', 'service', 'old', ?, 'down', 'stopped', ?, 4, 1, 0, 2, NULL, 0.5, 'half', 'ok', 'cp', 7, 999, 3, 1, 9, NULL)`,
			).run(spec, state);
			db.exec(`INSERT INTO runs (task_id, attempt, pid, pid_start, boot_id, started_at, ended_at, exit_code, exit_signal, reason)
				VALUES ('old', 1, 77, '555', 'boot', 2, 4, 0, NULL, 'exited')`);
			db.exec(`INSERT INTO events (task_id, at, type, data) VALUES ('old', 4, 'exit', '{"code":0}')`);
			db.exec(`INSERT INTO meta (key, value) VALUES ('seed', 'v1')`);
		},
		check(store) {
			const [task] = store.loadTasks();
			assert.equal(task?.id, 'old');
			assert.equal(task.record.want, 'down');
			assert.deepEqual(task.record.state, {kind: 'stopped', since: 5, reason: 'stopped by request', lastExit: null});
			assert.deepEqual(task.info, {progress: 0.5, progressText: 'half', status: 'ok', checkpoint: 'cp', heartbeatAt: 7});
			const history = store.history('old', 10);
			assert.deepEqual(history.runs.map((run) => [run.pid, run.exitCode, run.reason]), [[77, 0, 'exited']]);
			assert.deepEqual(history.events.map((event) => [event.type, event.data]), [['exit', {code: 0}]]);
			assert.equal(store.getMeta('seed'), 'v1');
		},
	},
];

/** A file at `version`, built by applying the first `version` migrations, with the rows valid there. */
function fileAtVersion(version: number): string {
	const file = nextFile();
	const db = new BetterSqlite3(file);
	migrate(db, version);
	for (const seed of seeds.filter((candidate) => candidate.since <= version)) {
		seed.insert(db);
	}

	db.close();
	return file;
}

function tableNames(db: Database): string[] {
	return db.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
}

describe('migrations', () => {
	it('are an append-only list of SQL strings whose length is the latest version', () => {
		assert.equal(LATEST_VERSION, migrations.length);
		assert.ok(LATEST_VERSION >= 1);
		for (const sql of migrations) {
			assert.ok(sql.trim().length > 0);
		}
	});

	for (const fresh of ['missing', 'empty'] as const) {
		it(`create the latest schema on a ${fresh} file, with WAL, foreign keys and tm's application id`, () => {
			const file = nextFile();
			if (fresh === 'empty') {
				writeFileSync(file, '');
			}

			const db = openDatabase(file);
			try {
				assert.equal(schemaVersion(db), LATEST_VERSION);
				assert.equal(db.pragma('application_id', {simple: true}), TM_APPLICATION_ID);
				assert.equal(db.pragma('journal_mode', {simple: true}), 'wal');
				assert.equal(db.pragma('synchronous', {simple: true}), 1);
				assert.equal(db.pragma('foreign_keys', {simple: true}), 1);
				assert.equal(db.pragma('busy_timeout', {simple: true}), 5000);
				assert.deepEqual(tableNames(db), ['events', 'meta', 'runs', 'tasks']);
				const indexes = db.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`).pluck().all();
				assert.deepEqual(indexes, ['events_at', 'events_task', 'runs_ended', 'runs_open', 'runs_task', 'tasks_kind_finished']);
			} finally {
				db.close();
			}

			if (fresh === 'missing') {
				assert.equal(statSync(file).mode & 0o777, 0o600);
			}
		});
	}

	for (let version = 0; version <= LATEST_VERSION; version++) {
		it(`bring a file at version ${version} to version ${LATEST_VERSION}, keeping its rows`, () => {
			const file = fileAtVersion(version);
			const db = openDatabase(file);
			assert.equal(schemaVersion(db), LATEST_VERSION);
			assert.equal(db.pragma('application_id', {simple: true}), TM_APPLICATION_ID);
			db.close();
			const store = Store.open(file);
			try {
				for (const seed of seeds.filter((candidate) => candidate.since <= version)) {
					seed.check(store);
				}
			} finally {
				store.close();
			}
		});

		if (version < LATEST_VERSION) {
			it(`refuse a file at version ${version} readonly, saying to start the daemon once`, () => {
				const file = fileAtVersion(version);
				assert.throws(() => openDatabase(file, {readonly: true}), {
					code: 'E_STORE',
					message: `${file} has schema version ${version} and this tm reads version ${LATEST_VERSION}: start the daemon once (\`tm up\`) to upgrade it`,
				});
				const db = new BetterSqlite3(file, {readonly: true});
				assert.equal(schemaVersion(db), version);
				db.close();
			});
		}
	}

	it('apply nothing to a file already at the latest version', () => {
		const file = fileAtVersion(LATEST_VERSION);
		const db = new BetterSqlite3(file);
		assert.deepEqual(migrate(db), []);
		db.close();
	});

	it('roll a failed migration back whole, leaving the version where it was', () => {
		const db = new BetterSqlite3(':memory:');
		db.exec('CREATE TABLE events (x)');
		assert.throws(() => migrate(db), /table events already exists/);
		assert.equal(schemaVersion(db), 0);
		assert.equal(db.pragma('application_id', {simple: true}), 0);
		assert.deepEqual(tableNames(db), ['events']);
		db.close();
	});

	it('refuse a target outside the known versions', () => {
		const db = new BetterSqlite3(':memory:');
		assert.throws(() => migrate(db, LATEST_VERSION + 1), RangeError);
		assert.throws(() => migrate(db, -1), RangeError);
		db.close();
	});
});
