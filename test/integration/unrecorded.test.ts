/**
 * A daemon killed between a start and the write that records it leaves a process no run row
 * names; the next daemon on the same socket finds it in /proc (its TM_SOCKET, TM_TASK_ID and
 * TM_ATTEMPT) and stops it before anything starts, while a process a recorded run left in a
 * session of its own, and another daemon's task, are left alone.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import Database from 'better-sqlite3';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon} from '../../src/core/daemon/index.js';
import {databasePath} from '../../src/core/paths.js';
import {tempDir} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {killPids} from '../helpers/procs.js';
import {alive, waitFor} from '../helpers/wait.js';

const pids: number[] = [];
after(() => killPids(pids));

/** A session leader that looks like a task a daemon on `socket` started. */
function fakeTask(socket: string, taskId: string, attempt: number): number {
	const child = spawn('sleep', ['1000'], {
		detached: true,
		stdio: 'ignore',
		env: {PATH: process.env['PATH'], TM_SOCKET: socket, TM_TASK_ID: taskId, TM_ATTEMPT: String(attempt), TM_NOTIFY_FD: '3'},
	});
	child.unref();
	const pid = child.pid ?? 0;
	pids.push(pid);
	return pid;
}

describe('starts no daemon recorded', () => {
	it('are stopped by the next daemon before it starts anything; recorded runs and other daemons are not touched', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const socketPath = path.join(home, 'tm.sock');
		const loaded = loadConfigText('programs: {}\n', path.join(dir, 'tm.yaml'));
		assert.ok(loaded.ok);
		const options = {config: loaded.value, home, cwd: dir, env: {PATH: process.env['PATH']}, socketPath};

		const first = await startDaemon(options);
		await first.recovered;
		const job = first.engine.submit({...jobSpecFor('j-recorded')});
		await waitFor(() => job.record.state.kind, kind => kind === 'completed', {what: 'j-recorded to complete'});
		await first.shutdown();

		// As if the first daemon had been killed right after starting these, before writing them.
		const unrecorded = fakeTask(socketPath, 'j-unrecorded', 1);
		const escaped = fakeTask(socketPath, 'j-recorded', 1);
		const elsewhere = fakeTask(path.join(dir, 'other.sock'), 'j-unrecorded', 1);
		await waitFor(() => [unrecorded, escaped, elsewhere].every(alive), ok => ok, {what: 'the three processes to run'});

		const second = await startDaemon(options);
		try {
			await second.recovered;
			assert.equal(alive(unrecorded), false, 'the unrecorded start is stopped');
			assert.equal(alive(escaped), true, 'attempt 1 of j-recorded has its run row: a process it left is not a start');
			assert.equal(alive(elsewhere), true, 'another daemon’s task');
		} finally {
			await second.shutdown();
		}

		const db = new Database(databasePath(home), {readonly: true});
		const notes = db.prepare<[], {data: string}>("SELECT data FROM events WHERE type = 'orphan-stopped'").all().map(row => JSON.parse(row.data) as {pid: number; reason: string});
		db.close();
		assert.deepEqual(
			notes.map(note => [note.pid, note.reason]),
			[[unrecorded, `pid ${unrecorded} started by a previous daemon that died before recording it stopped`]],
		);
	});
});

function jobSpecFor(id: string) {
	return makeSpec({id, kind: 'job', program: id, name: id, autostart: false, starttimeMs: 0, cmd: 'true', argv: ['true'], shell: false});
}
