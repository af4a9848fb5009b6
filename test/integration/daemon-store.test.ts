/**
 * The daemon and its database: retention runs on its interval, and a database tm cannot use is
 * refused untouched.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {describe, it} from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {ManualClock} from '../../src/core/clock.js';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon} from '../../src/core/daemon/index.js';
import {initialRecord} from '../../src/core/machine.js';
import {databasePath} from '../../src/core/paths.js';
import type {TaskRow} from '../../src/core/ports.js';
import {Store} from '../../src/store/index.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {makeSpec} from '../helpers/spec.js';

const day = 86_400_000;

function finishedJob(id: string, at: number): TaskRow {
	return {
		id,
		kind: 'job',
		program: id,
		spec: makeSpec({id, kind: 'job', autostart: false}),
		record: {...initialRecord(at), state: {kind: 'completed', since: at, reason: 'exit 0', lastExit: {code: 0, signal: null, at}}},
		info: {progress: null, progressText: null, status: null, checkpoint: null, heartbeatAt: null},
		priority: 0,
		queueSeq: 0,
		createdAt: at,
		updatedAt: at,
		finishedAt: at,
	};
}

describe('daemon and store', () => {
	it('prunes old history every cleanup_interval; a job that left the live list keeps its row and history until retention.history', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const clock = new ManualClock(100 * day);
		const seed = Store.open(databasePath(home));
		const state = (taskId: string, at: number) => ({taskId, at, type: 'state', data: {from: 'running', to: 'completed', cause: 'exited', reason: 'exit 0'}});
		seed.writeBatch({
			tasks: [finishedJob('j-ancient', clock.now() - 31 * day), finishedJob('j-old', clock.now() - 8 * day), finishedJob('j-new', clock.now() - day)],
			runStarts: [],
			runEnds: [],
			events: [state('j-ancient', clock.now() - 31 * day), state('j-old', clock.now() - 8 * day), state('j-new', clock.now() - 31 * day), state('j-new', clock.now() - day)],
		});
		seed.close();
		const loaded = loadConfigText('taskmaster:\n  cleanup_interval: 5m\n', path.join(dir, 'tm.yaml'));
		assert.ok(loaded.ok);
		const daemon = await startDaemon({config: loaded.value, home, cwd: dir, env: {}, socketPath: null, clock});
		await daemon.recovered;
		// retention.finished is 7 days: only j-new is live; the other rows wait for the clean-up.
		assert.deepEqual(daemon.engine.list().map(t => t.id), ['j-new']);
		assert.equal(daemon.store.counts().tasks, 3);
		clock.advance(5 * 60_000);
		// retention.history is 30 days: j-old keeps its row (its name in tm history) and its events.
		assert.deepEqual(daemon.store.loadTasks().map(t => t.id).sort(), ['j-new', 'j-old']);
		assert.equal(daemon.store.history('j-new', 10).events.length, 1);
		assert.equal(daemon.store.history('j-old', 10).events.length, 1);
		assert.deepEqual(daemon.store.history('j-ancient', 10), {runs: [], events: []});
		await daemon.shutdown();

		const history = await tm(['history', 'j-old', '--home', home], {cwd: dir, env: {HOME: dir}});
		assert.equal(history.code, 0, history.err);
		assert.match(history.out, /running -> completed +exited +exit 0/);
	});

	it('a daemon whose first write to tm.db fails exits with E_STORE and frees the socket, rather than staying up with no tasks', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		Store.open(databasePath(home)).close();
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  a:\n    cmd: sleep 1000\n');
		// Another process holds the write lock past the busy timeout: recovery's first write fails.
		const holder = new BetterSqlite3(databasePath(home));
		holder.exec('BEGIN IMMEDIATE');
		try {
			const daemon = runTm(['up', '--foreground'], {cwd: dir});
			const code = await Promise.race([daemon.exited, delay(20_000, 'still running', {ref: false})]);
			assert.equal(code, 1, `exit code; stderr: ${daemon.stderr()}`);
			assert.match(daemon.stderr(), /cannot write .*tm\.db: database is locked/);
			assert.equal(existsSync(path.join(home, 'tm.sock')), false, 'the socket is gone');
			const status = await tm(['status', '--home', home], {cwd: dir, env: {HOME: dir}});
			assert.equal(status.code, 3, status.err);
		} finally {
			holder.exec('ROLLBACK');
			holder.close();
			killAllTm();
		}
	});

	it('tm up refuses a corrupt database, names it, and leaves it untouched', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		mkdirSync(home);
		const file = path.join(home, 'tm.db');
		writeFileSync(file, Buffer.from('this is not a database, but someone cares about it'.repeat(200)));
		const before = {hash: createHash('sha256').update(readFileSync(file)).digest('hex'), mtime: statSync(file).mtimeMs};
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  a:\n    cmd: sleep 1000\n');
		const result = await tm(['up', '--foreground', '--home', home], {cwd: dir, env: {HOME: dir}});
		assert.equal(result.code, 1);
		assert.match(result.err, new RegExp(`${file} is not a tm database`));
		assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), before.hash);
		assert.equal(statSync(file).mtimeMs, before.mtime);

		// Started in the background, the same refusal with the same code (E_STORE), not E_INTERNAL.
		const background = await tm(['up', '--json', '--home', home], {cwd: dir, env: {HOME: dir}});
		assert.equal(background.code, 1);
		const {error} = JSON.parse(background.err) as {error: {code: string; message: string}};
		assert.equal(error.code, 'E_STORE');
		assert.match(error.message, new RegExp(`^${file} is not a tm database`));
		assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), before.hash);
		assert.equal(statSync(file).mtimeMs, before.mtime);
	});
});
