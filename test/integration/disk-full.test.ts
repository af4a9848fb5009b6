/**
 * A full disk under the daemon's home: a real tmpfs (mounted by the test, as root; skipped with
 * the reason otherwise) holding tm.db, tmd.out, the daemon log and the task logs, filled by a
 * task. The daemon keeps answering and supervising, says "disk full" (status, /healthz, a
 * `daemon` notification) while it lasts, writes one line about the bytes a task log lost once
 * there is room, and the state changes made meanwhile reach tm.db. A log target that can never
 * be written (/dev/full) fails its task's start, and nothing else.
 */
import assert from 'node:assert/strict';
import {closeSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../src/core/ipc/client.js';
import type {DaemonDoc, StatusDoc} from '../../src/core/ipc/methods.js';
import {findTaskProcesses} from '../../src/core/process/unrecorded.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids} from '../helpers/procs.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {fill, mountTmpfs} from '../helpers/tmpfs.js';
import {alive, waitFor} from '../helpers/wait.js';
import {freePort} from '../helpers/ports.js';

const cleanups: Array<() => void> = [];
const pids = new Set<number>();
/** Every home a test used: its tasks are found by their TM_SOCKET, even those a dead daemon left. */
const homes: string[] = [];
after(() => {
	killAllTm();
	killPids(pids);
	killPids(homes.flatMap(home => findTaskProcesses(path.join(home, 'tm.sock')).map(task => task.pid)));
	for (const cleanup of cleanups.reverse()) {
		cleanup();
	}
});

type Cli = (...args: string[]) => ReturnType<typeof tm>;

async function status(cli: Cli): Promise<StatusDoc | null> {
	const result = await cli('status', '--json');
	if (result.code !== 0) {
		return null;
	}

	const doc = JSON.parse(result.out) as StatusDoc;
	for (const task of doc.tasks) {
		if (task.pid !== null) {
			pids.add(task.pid);
		}
	}

	return doc;
}

const pidOf = (doc: StatusDoc | null, id: string): number | null => doc?.tasks.find(task => task.id === id)?.pid ?? null;

async function healthz(port: number): Promise<{status: number; body: {ok: boolean; reason: string | null}}> {
	const response = await fetch(`http://127.0.0.1:${port}/healthz`);
	return {status: response.status, body: (await response.json()) as {ok: boolean; reason: string | null}};
}

describe('a full disk under the daemon', () => {
	it('fills up: the daemon answers, supervises and says so; with room again it says how much a log lost and saves what changed', async t => {
		const dir = tempDir('tm-disk-');
		const mounted = mountTmpfs(path.join(dir, 'mnt'), '3m');
		if (!mounted.ok) {
			t.skip(mounted.reason);
			return;
		}

		cleanups.push(() => mounted.fs.unmount());
		const home = path.join(mounted.fs.dir, 'home');
		homes.push(home);
		const calm = path.join(dir, 'calm');
		const filler = path.join(mounted.fs.dir, 'filler');
		const port = await freePort();
		const file = path.join(dir, 'tm.yaml');
		// Bursts of ~110 KB every 50 ms until told to calm down, then a line every 200 ms.
		const chatty = `sh -c 'while :; do if [ -e ${calm} ]; then echo tick; sleep 0.2; else seq 1 20000; sleep 0.05; fi; done'`;
		writeFileSync(
			file,
			[
				'taskmaster:',
				`  logfile: ${path.join(home, 'daemon.log')}`,
				`  http: 127.0.0.1:${port}`,
				'programs:',
				'  chatty:',
				`    cmd: "${chatty}"`,
				'    starttime: 0',
				'  sleeper:',
				'    cmd: sleep 1000',
				'    starttime: 0',
				'',
			].join('\n'),
		);
		const cli: Cli = (...args) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH']}});
		// Most of the room gone before the daemon starts: chatty takes the rest within a second.
		fill(filler, 2 * 1024 * 1024);
		const up = await cli('up', '-c', file, '--json');
		assert.equal(up.code, 0, up.err);
		const daemonPid = (JSON.parse(up.out) as {pid: number}).pid;
		pids.add(daemonPid);
		cleanups.push(() => killPids([daemonPid]));
		const rpc = await RpcClient.connect(path.join(home, 'tm.sock'));
		cleanups.push(() => void rpc.close());
		const notices: DaemonDoc[] = [];
		rpc.on('daemon', doc => notices.push(doc));
		await rpc.call('subscribe', {});

		// An older daemon has no `disk`, and dies here: either ends the wait.
		const full = await waitFor(() => status(cli), doc => doc === null || (doc.daemon as Partial<DaemonDoc>).disk?.ok === false, {timeout: 30_000, what: 'the disk to fill'});
		assert.ok(full !== null, 'the daemon died when the disk filled');
		assert.match(full?.daemon.disk.reason ?? '', /^disk full: cannot write \S+: (ENOSPC|SQLITE_FULL)/);
		await waitFor(() => notices.some(doc => !doc.disk.ok), Boolean, {what: 'a daemon notification saying the disk is full'});
		const sick = await healthz(port);
		assert.equal(sick.status, 503);
		assert.match(sick.body.reason ?? '', /^disk full: /);
		const table = await cli('status');
		assert.equal(table.code, 0, table.err);
		assert.match(table.err, /^tm: disk full: cannot write /m);

		// tmd.out full to its last byte too (its page may have had room), so the restart's lines are lost.
		const output = path.join(home, 'tmd.out');
		fill(output, Number.POSITIVE_INFINITY, 'a');
		// Supervision goes on: a restart works while nothing can be written.
		const before = pidOf(full, 'sleeper');
		const restarted = await cli('restart', 'sleeper');
		assert.equal(restarted.code, 0, restarted.err);
		const during = await waitFor(() => status(cli), doc => pidOf(doc, 'sleeper') !== null && pidOf(doc, 'sleeper') !== before, {what: 'sleeper to run again'});
		const restartedPid = pidOf(during, 'sleeper')!;
		assert.ok(alive(restartedPid));
		assert.ok(before === null || !alive(before));
		assert.equal(during?.tasks.find(task => task.id === 'chatty')?.state, 'running');
		assert.ok((during?.daemon.disk.unsaved ?? 0) > 0, 'the changes are kept in memory');
		assert.ok(alive(daemonPid));

		// Room again.
		writeFileSync(calm, '');
		rmSync(filler);
		const log = path.join(home, 'logs', 'chatty.out.log');
		const lost = /^tm: (\d+) bytes of output lost between (\S+) and (\S+): cannot write log file \S+: ENOSPC: no space left on device$/;
		const text = await waitFor(() => readFileSync(log, 'utf8'), content => /^tm: .*\n(.*\n)*tick\n/m.test(content), {timeout: 15_000, what: 'the line about the lost bytes, then output'});
		const lines = text.split('\n').filter(line => lost.test(line));
		assert.equal(lines.length, 1, lines.join('\n'));
		const [, bytes, from, to] = lost.exec(lines[0]!)!;
		assert.ok(Number(bytes) > 0);
		assert.ok(Date.parse(from!) <= Date.parse(to!));
		const well = await waitFor(() => status(cli), doc => doc?.daemon.disk.ok === true && doc.daemon.disk.unsaved === 0, {timeout: 15_000, what: 'the disk to be fine again'});
		assert.equal(well?.daemon.disk.reason, null);
		await waitFor(() => notices.at(-1)?.disk.ok, ok => ok === true, {what: 'a daemon notification saying the disk is fine'});
		assert.equal((await healthz(port)).status, 200);
		assert.match(readFileSync(output, 'utf8'), /^tm: \d+ bytes of daemon output lost between \S+ and \S+: ENOSPC: no space left on device$/m);
		assert.match(readFileSync(path.join(home, 'daemon.log'), 'utf8'), /"message":"disk writable again"/);

		// What changed while the disk was full is in tm.db, as the next daemon sees it.
		assert.equal((await cli('down')).code, 0);
		assert.equal((await cli('up', '-c', file)).code, 0);
		const history = await cli('history', 'sleeper', '--json');
		assert.equal(history.code, 0, history.err);
		const runs = (JSON.parse(history.out) as {runs: Array<{pid: number; endedAt: number | null}>}).runs;
		assert.ok(
			runs.some(run => run.pid === restartedPid && run.endedAt !== null),
			`the run started while the disk was full: ${JSON.stringify(runs)}`,
		);
		await status(cli);
		assert.equal((await cli('down')).code, 0);
	});

	it('a task whose log is /dev/full fails to start with that cause; the daemon and its other tasks go on', async () => {
		const dir = tempDir('tm-devfull-');
		const home = path.join(dir, 'home');
		homes.push(home);
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			[
				'programs:',
				'  devfull:',
				'    cmd: "sh -c \'echo hello; sleep 1000\'"',
				'    stdout: /dev/full',
				'    starttime: 0',
				'    startretries: 1',
				'  steady:',
				'    cmd: "sh -c \'echo hello; sleep 1000\'"',
				'    starttime: 0',
				'',
			].join('\n'),
		);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli: Cli = (...args) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const doc = await waitFor(() => status(cli), d => d?.tasks.find(task => task.id === 'devfull')?.state === 'fatal', {what: 'devfull to give up'});
		const devfull = doc?.tasks.find(task => task.id === 'devfull');
		assert.equal(devfull?.cause, 'spawn_failed');
		assert.match(devfull?.reason ?? '', /cannot write log file \/dev\/full: ENOSPC: no space left on device/);
		assert.equal(devfull?.pid, null);
		assert.equal(doc?.tasks.find(task => task.id === 'steady')?.state, 'running');
		assert.ok(alive(daemon.pid));
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);
	});

	it('a daemon whose stderr is /dev/full (its tmd.out on a full disk) goes on supervising and stops cleanly', async () => {
		const dir = tempDir('tm-devfull-out-');
		const home = path.join(dir, 'home');
		homes.push(home);
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n');
		const full = openSync('/dev/full', 'w');
		const daemon = runTm(['up', '--foreground'], {cwd: dir, output: full});
		closeSync(full);
		const cli: Cli = (...args) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const first = await waitFor(() => status(cli), doc => pidOf(doc, 'sleeper') !== null, {what: 'sleeper to run'});
		// Every state change is a line on stderr: a restart makes several.
		assert.equal((await cli('restart', 'sleeper')).code, 0);
		const second = await waitFor(() => status(cli), doc => pidOf(doc, 'sleeper') !== null && pidOf(doc, 'sleeper') !== pidOf(first, 'sleeper'), {what: 'sleeper to run again'});
		assert.equal(second?.daemon.disk.ok, false);
		assert.match(second?.daemon.disk.reason ?? '', /^disk full: cannot write file descriptor 2: ENOSPC: no space left on device$/);
		assert.ok(alive(daemon.pid));
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);
		assert.ok(!alive(pidOf(second, 'sleeper')!));
	});

	it('killed while the disk is full, the daemon leaves no task the next one cannot find and stop', async t => {
		const dir = tempDir('tm-disk-kill-');
		const mounted = mountTmpfs(path.join(dir, 'mnt'), '3m');
		if (!mounted.ok) {
			t.skip(mounted.reason);
			return;
		}

		cleanups.push(() => mounted.fs.unmount());
		const home = path.join(mounted.fs.dir, 'home');
		homes.push(home);
		const file = path.join(dir, 'tm.yaml');
		writeFileSync(file, 'programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n');
		const cli: Cli = (...args) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH']}});
		const up = await cli('up', '-c', file, '--json');
		assert.equal(up.code, 0, up.err);
		const daemonPid = (JSON.parse(up.out) as {pid: number}).pid;
		pids.add(daemonPid);
		const first = await waitFor(() => status(cli), doc => pidOf(doc, 'sleeper') !== null, {what: 'sleeper to run'});
		const filler = path.join(mounted.fs.dir, 'filler');
		fill(filler, Number.POSITIVE_INFINITY);
		// A start tm.db cannot record: only the process itself says whose it is.
		assert.equal((await cli('restart', 'sleeper')).code, 0);
		const during = await waitFor(() => status(cli), doc => pidOf(doc, 'sleeper') !== null && pidOf(doc, 'sleeper') !== pidOf(first, 'sleeper'), {what: 'sleeper to run again'});
		assert.ok((during?.daemon.disk.unsaved ?? 0) > 0, JSON.stringify(during?.daemon.disk));
		const unrecorded = pidOf(during, 'sleeper')!;
		process.kill(daemonPid, 'SIGKILL');
		await waitFor(() => alive(daemonPid), running => !running, {what: 'the daemon to die'});
		assert.ok(alive(unrecorded));
		rmSync(filler);
		assert.equal((await cli('up', '-c', file)).code, 0);
		await waitFor(() => alive(unrecorded), running => !running, {what: 'the next daemon to stop the process it found'});
		const after = await waitFor(() => status(cli), doc => doc?.tasks.find(task => task.id === 'sleeper')?.state === 'running', {what: 'sleeper to run under the new daemon'});
		assert.notEqual(pidOf(after, 'sleeper'), unrecorded);
		assert.equal((await cli('down')).code, 0);
	});
});
