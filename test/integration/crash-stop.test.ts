/**
 * An error nothing caught in the daemon (an uncaught exception, an unhandled rejection) is no
 * way out that leaves tasks running: the shell stops every task, as SIGTERM does, and then
 * answers exit code 1.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {loadConfigText} from '../../src/core/config/index.js';
import {startShell} from '../../src/core/daemon/shell.js';
import type {StatusDoc} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids} from '../helpers/procs.js';
import {alive, waitFor} from '../helpers/wait.js';

const pids = new Set<number>();
after(() => killPids(pids));

describe('the daemon after an error nothing caught', () => {
	it('stops every task, then exits 1', async () => {
		const dir = tempDir('tm-crash-');
		const home = path.join(dir, 'home');
		const file = path.join(dir, 'tm.yaml');
		const yaml = 'programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n';
		writeFileSync(file, yaml);
		const loaded = loadConfigText(yaml, file);
		assert.ok(loaded.ok);
		let crash: ((error: unknown) => void) | null = null;
		const shell = await startShell({
			config: loaded.value,
			file,
			home,
			socketPath: path.join(home, 'tm.sock'),
			cwd: dir,
			env: {PATH: process.env['PATH']},
			err: () => {},
			onSignal: () => () => {},
			onCrash: handler => {
				crash = handler;
				return () => {
					crash = null;
				};
			},
			output: null,
		});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const doc = await waitFor(
			async () => {
				const result = await cli('status', '--json');
				return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : null;
			},
			status => (status?.tasks[0]?.pid ?? null) !== null,
			{what: 'sleeper to run'},
		);
		const pid = doc?.tasks[0]?.pid ?? 0;
		pids.add(pid);
		assert.ok(crash !== null, 'the shell listens for errors nothing caught');
		(crash as (error: unknown) => void)(new Error('boom'));
		assert.equal(await shell.stopped, 1);
		assert.ok(!alive(pid), 'the task was stopped');
		assert.equal(crash, null, 'the handler is removed once every task has stopped');
		const history = await cli('history', 'sleeper', '--json');
		assert.match(history.out, /daemon stopping \(internal error\)/);
	});
});
