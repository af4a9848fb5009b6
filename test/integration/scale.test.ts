/**
 * A real daemon with many programs (issue 22): it raises its soft open-file limit to the hard one
 * and says so once; it answers `hello` and `status` while it is still starting them (starts go in
 * batches, the event loop turns between them); and once they all run, each idle one holds its
 * three pipes and no log file.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../src/core/ipc/client.js';
import type {StatusDoc} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {daemonLog, killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const instances = 1200;
const marker = `2200.${process.pid}`;

after(() => {
	killAllTm();
	killPids(pidsWithArg(marker));
});

const prlimit = spawnSync('prlimit', ['--version']).status === 0;

/** The soft and hard "Max open files" of a process. */
function openFiles(pid: number): {soft: string; hard: string} {
	const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
		.split('\n')
		.find(text => text.startsWith('Max open files'));
	const [soft = '', hard = ''] = line?.slice('Max open files'.length).trim().split(/\s+/) ?? [];
	return {soft, hard};
}

describe('a daemon with 1,200 programs', {skip: prlimit ? false : 'prlimit (util-linux) is not installed'}, () => {
	it('raises its file limit, answers while starting them, and holds 3 descriptors for each idle one', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const yaml = ['taskmaster:', '  logfile: ./tmd.log', '  http: off', 'programs:', '  many:', `    cmd: sleep ${marker}`, '    starttime: 0', `    numprocs: ${instances}`];
		writeFileSync(path.join(dir, 'tm.yaml'), `${yaml.join('\n')}\n`);
		const daemon = runTm(['up', '--foreground'], {cwd: dir, prefix: ['prlimit', '--nofile=1024:8192', '--']});
		const socket = path.join(home, 'tm.sock');
		const client = await waitFor(
			async () => (existsSync(socket) ? RpcClient.connect(socket, {client: 'scale-test', timeoutMs: 60_000}).catch(() => null) : null),
			connected => connected !== null,
			{timeout: 60_000, interval: 20, what: 'the daemon answering hello'},
		);
		assert.ok(client !== null);
		try {
			assert.deepEqual(openFiles(daemon.pid), {soft: '8192', hard: '8192'});
			const first = (await client.call('status', {}, {timeoutMs: 60_000})) as StatusDoc;
			const waiting = first.tasks.filter(task => task.state === 'queued' || task.state === 'stopped').length;
			assert.ok(waiting > 0, `status answered only once every start was made (${first.tasks.length} tasks, none left waiting)`);
			const hello = await client.call('hello', {protocol: 1, client: 'scale-test'}, {timeoutMs: 60_000});
			assert.equal(hello.pid, daemon.pid);

			await waitFor(
				async () => ((await client.call('status', {}, {timeoutMs: 60_000})) as StatusDoc).tasks.filter(task => task.state === 'running').length,
				running => running === instances,
				{timeout: 180_000, interval: 500, what: `all ${instances} instances running`},
			);
			const logged = daemonLog(path.join(dir, 'tmd.log')).filter(line => /^open-file limit/.test(line.message ?? ''));
			assert.deepEqual(
				logged.map(line => line.message),
				['open-file limit 8192 (the hard limit)'],
				'said once (node itself raised it from 1024 before tm ran)',
			);

			// The log files are let go once created and checked; only the pipes stay (3 per task).
			const files = await waitFor(
				() => readdirSync(`/proc/${daemon.pid}/fd`).length,
				count => count <= instances * 3 + 100,
				{timeout: 30_000, interval: 500, what: 'about 3 descriptors per idle task'},
			);
			assert.ok(files >= instances * 3, `${files} descriptors for ${instances} tasks`);
			assert.deepEqual(readdirSync(path.join(home, 'logs')), [], 'a program that printed nothing has no log file yet');
		} finally {
			await client.close();
		}

		const down = await tm(['down', '--home', home], {cwd: dir, env: {HOME: dir}});
		assert.equal(down.code, 0, down.err);
		assert.equal(await daemon.exited, 0);
		assert.deepEqual(pidsWithArg(marker), []);
	});
});
