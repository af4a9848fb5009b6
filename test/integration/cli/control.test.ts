/**
 * The control plane end to end: a real daemon (`tm up --foreground`) in a temp home, driven by
 * the CLI over its Unix socket, with --json output checked.
 */
import assert from 'node:assert/strict';
import {statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc, TaskActionResults} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

after(killAllTm);

/** `tm up --foreground` with `yaml` as its config in a temp dir, and the CLI pointed at its home. */
function daemonWith(yaml: string) {
	const dir = tempDir();
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const daemon = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
	return {dir, home, daemon, cli};
}

describe('tm status/start/stop/restart/down against a real daemon', () => {
	it('shows CPU and memory of each running task as sampled, and a dash where nothing was measured', async () => {
		const {daemon, cli} = daemonWith('taskmaster:\n  sample_interval: 200ms\nprograms:\n  web:\n    cmd: sleep 1000\n    starttime: 0\n  idle:\n    cmd: sleep 1000\n    autostart: false\n');
		const sampled = await waitFor(
			async () => {
				const result = await cli('status', '--json');
				return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : null;
			},
			doc => (doc?.tasks.find(t => t.id === 'web')?.memory ?? null) !== null,
			{what: 'web to be sampled'},
		);
		const web = sampled?.tasks.find(t => t.id === 'web');
		const table = await cli('status');
		assert.equal(table.code, 0, table.err);
		const [header, ...rows] = table.out.trimEnd().split('\n');
		assert.match(header ?? '', /^NAME +STATE +PID +UPTIME +CPU +MEM +RESTARTS +HEARTBEAT +INFO$/);
		const cells = (name: string): string[] => rows.find(row => row.startsWith(`${name} `))?.split(/ +/) ?? [];
		assert.equal(cells('web')[2], String(web?.pid));
		assert.match(cells('web')[4] ?? '', /^\d+(\.\d)?%$/, table.out);
		assert.match(cells('web')[5] ?? '', /^\d+(\.\d)?[KMG]$/, table.out);
		assert.deepEqual(cells('idle').slice(1, 6), ['stopped', '-', '-', '-', '-'], table.out);
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);
	});

	it('drives the daemon over its socket, with JSON documents and exit codes', async () => {
		const {dir, home, daemon, cli} = daemonWith('programs:\n  web:\n    cmd: sleep 1000\n    starttime: 0\n    numprocs: 2\n  idle:\n    cmd: sleep 1000\n    autostart: false\n    starttime: 0\n');
		const status = async () => JSON.parse((await cli('status', '--json')).out) as StatusDoc;
		await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});

		assert.equal(statSync(path.join(home, 'tm.sock')).mode & 0o777, 0o600);
		assert.equal(statSync(home).mode & 0o777, 0o700);

		const first = await waitFor(status, doc => doc.tasks.filter(t => t.state === 'running').length === 2, {what: 'web:0 and web:1 running'});
		assert.equal(first.daemon.pid, daemon.pid);
		assert.deepEqual(first.tasks.map(t => [t.id, t.program, t.kind]), [['web:0', 'web', 'service'], ['web:1', 'web', 'service'], ['idle', 'idle', 'service']]);
		const web0 = first.tasks[0]?.pid ?? 0;
		const web1 = first.tasks[1]?.pid ?? 0;

		const stop = await cli('stop', 'web:0', '--json');
		assert.equal(stop.code, 0, stop.err);
		assert.deepEqual((JSON.parse(stop.out) as TaskActionResults).results, [{name: 'web:0', ok: true, outcome: 'done', state: 'stopped'}]);
		assert.ok(!alive(web0));

		const start = await cli('start', 'idle', 'web:0', '--json');
		assert.equal(start.code, 0, start.err);
		assert.deepEqual((JSON.parse(start.out) as TaskActionResults).results.map(r => [r.name, r.state]), [['idle', 'running'], ['web:0', 'running']]);

		const restart = await cli('restart', 'web:1');
		assert.equal(restart.code, 0, restart.err);
		const after = await status();
		const restarted = after.tasks.find(t => t.id === 'web:1');
		assert.notEqual(restarted?.pid, web1);
		assert.equal(restarted?.restarts, 1);
		assert.ok(!alive(web1));

		const unknown = await cli('stop', 'nope', '--json');
		assert.equal(unknown.code, 4);
		assert.equal((JSON.parse(unknown.err) as {error: {code: string}}).error.code, 'E_UNKNOWN_TASK');

		const second = await tm(['up', '--foreground', '--home', home], {cwd: dir, env: {HOME: dir}});
		assert.equal(second.code, 1);
		assert.match(second.err, /already running/);
		assert.equal((await status()).tasks.find(t => t.id === 'web:0')?.state, 'running', 'a refused second daemon changes nothing');

		const pids = (await status()).tasks.map(t => t.pid ?? 0);
		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		assert.equal(await daemon.exited, 0);
		assert.ok(pids.every(pid => !alive(pid)));
		const gone = await cli('status');
		assert.equal(gone.code, 3);
		assert.match(gone.err, /start it with `tm up`/);
	});
});

describe('tm up in the background', () => {
	it('starts a detached daemon, returns once it answers, says so on a second up, and stops with down', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  web:\n    cmd: sleep 1000\n    starttime: 0\n');
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH']}});
		const up = await cli('up', '--json');
		assert.equal(up.code, 0, up.err);
		const started = JSON.parse(up.out) as {pid: number; alreadyRunning: boolean};
		assert.equal(started.alreadyRunning, false);
		assert.ok(alive(started.pid));
		try {
			const again = await cli('up');
			assert.equal(again.code, 0, again.err);
			assert.match(again.out, new RegExp(`already running \\(pid ${started.pid}`));
			const status = await waitFor(async () => JSON.parse((await cli('status', '--json')).out) as StatusDoc, doc => doc.tasks[0]?.state === 'running', {
				what: 'web running',
			});
			assert.equal(status.daemon.pid, started.pid);
			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			await waitFor(() => alive(started.pid), a => !a, {what: 'the daemon to exit'});
		} finally {
			try {
				process.kill(-started.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	});

	it('an invalid config is reported with every problem and no daemon starts', async () => {
		const dir = tempDir();
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  web:\n    cmd: sleep 1000\n    stoptime: ten\n');
		const up = await tm(['up', '--home', path.join(dir, 'home')], {cwd: dir, env: {HOME: dir}});
		assert.equal(up.code, 2);
		assert.match(up.err, /programs\.web\.stoptime: expected a duration/);
		const status = await tm(['status', '--home', path.join(dir, 'home')], {cwd: dir, env: {HOME: dir}});
		assert.equal(status.code, 3);
	});
});

describe('tm logs, signal and version', () => {
	it('tails and follows a task\'s output, and delivers a signal to its group', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			'programs:\n  talker:\n    cmd: "sh -c \'echo hello; echo oops >&2; trap \\"echo got-usr1\\" USR1; while true; do sleep 0.05; done\'"\n    starttime: 0\n',
		);
		runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('logs', 'talker')).out, out => out.includes('oops'), {what: 'the first lines'});
		const tail = await cli('logs', 'talker', '-n', '5');
		assert.equal(tail.out, 'hello\n[stderr] oops\n');
		assert.equal((await cli('logs', 'talker', '--stderr')).out, 'oops\n');
		const json = JSON.parse((await cli('logs', 'talker', '--json')).out) as {lines: Array<{stream: string; text: string; seq: number}>};
		assert.deepEqual(json.lines.map(l => [l.stream, l.text]), [['stdout', 'hello'], ['stderr', 'oops']]);

		const follower = runTm(['logs', 'talker', '-f', '-n', '1'], {cwd: dir});
		await waitFor(follower.stdout, out => out.includes('oops'), {what: 'the follower to print the tail'});
		const signal = await cli('signal', 'USR1', 'talker');
		assert.equal(signal.code, 0, signal.err);
		await waitFor(follower.stdout, out => out.includes('got-usr1'), {what: 'the followed line'});
		// The tail first, then new lines, none twice (the signal also reaches the group's sleep, which sh reports).
		const followed = follower.stdout().split('\n');
		assert.equal(followed[0], '[stderr] oops');
		assert.equal(followed.filter(line => line === '[stderr] oops').length, 1);
		assert.ok(followed.includes('got-usr1'));
		follower.child.kill('SIGINT');
		assert.equal(await follower.exited, 0);

		const bad = await cli('signal', 'NOPE', 'talker');
		assert.equal(bad.code, 2);
		assert.match(bad.err, /NOPE/);
		assert.equal((await cli('logs', 'ghost')).code, 4);
		assert.equal((await cli('down')).code, 0);
	});

	it('tm version --json names tm, node, sqlite, the protocol and what tasks run in', async () => {
		const result = await tm(['version', '--json']);
		assert.equal(result.code, 0);
		const doc = JSON.parse(result.out) as Record<string, unknown>;
		assert.deepEqual(Object.keys(doc), ['tm', 'node', 'sqlite', 'protocol', 'cgroups']);
		assert.match(String(doc['cgroups']), /^(cgroup v2|process groups \()/);
		assert.equal(doc['protocol'], 1);
		assert.match(String(doc['sqlite']), /^3\.\d+/);
	});
});
