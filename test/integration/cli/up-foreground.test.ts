/**
 * `tm up --foreground` as a real process: starts the config's programs, logs events as JSON
 * lines and readable lines, and on SIGTERM stops every task and exits 0.
 */
import assert from 'node:assert/strict';
import {closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {daemonLog, killAllTm, runTm} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

after(killAllTm);

describe('tm up --foreground', () => {
	it('rotates its own output in place when started in the background (tmd.out: 5 old files kept)', async () => {
		const dir = tempDir();
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  flappy:\n    cmd: "sh -c \'exit 1\'"\n    starttime: 0\n    startretries: 1000\n    backoff: {initial: 10ms, max: 10ms, jitter: 0}\n');
		const out = path.join(dir, 'tmd.out');
		const fd = openSync(out, 'a');
		const daemon = runTm(['up', '--foreground', '--output', out, '--output-max-size', '3000'], {cwd: dir, output: fd});
		closeSync(fd);
		// A crash loop writes two event lines every 10 ms or so: 6 files of 3,000 bytes fill within seconds.
		await waitFor(() => existsSync(`${out}.5`), there => there, {what: `${out}.5`, timeout: 30_000});
		process.kill(daemon.pid, 'SIGTERM');
		assert.equal(await daemon.exited, 0);
		assert.equal(existsSync(`${out}.6`), false, 'five old files, no more');
		for (const file of [out, ...[1, 2, 3, 4, 5].map(n => `${out}.${n}`)]) {
			// A pass's lines go out in one write: a file ends past the size by at most that.
			assert.ok(statSync(file).size < 3000 + 2000, `${file}: ${statSync(file).size} bytes`);
		}

		assert.match(readFileSync(`${out}.1`, 'utf8'), /flappy (starting|backoff) -> /);
		assert.match(readFileSync(out, 'utf8'), /tm: all tasks stopped\n$/, 'the last lines are in tmd.out itself');
	});

	it('counts the programs and the jobs still to run, not the finished jobs kept for their history', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  web:\n    cmd: sleep 1000\n    starttime: 0\n');
		const first = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
		for (const n of [1, 2, 3]) {
			assert.equal((await tm(['run', '--wait', '--home', home, '--', 'sh', '-c', `exit ${n === 3 ? 1 : 0}`], {cwd: dir, env: {HOME: dir}})).code, n === 3 ? 1 : 0);
		}

		await cli('down');
		await first.exited;
		const second = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(() => second.stderr(), text => text.includes('supervising'), {what: 'the supervising line'});
		assert.match(second.stderr(), /tm: supervising 1 tasks from /);
		await cli('down');
		await second.exited;
	});

	it('supervises the config, logs events, and stops everything on SIGTERM', async () => {
		const dir = tempDir();
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			[
				'taskmaster:',
				'  logfile: ./tmd.log',
				'  http: off',
				'programs:',
				'  sleeper:',
				'    cmd: sleep 1000',
				'    starttime: 0',
				'    numprocs: 2',
				'  crasher:',
				'    cmd: "sh -c \'echo boom >&2; exit 7\'"',
				'    starttime: 0',
				'    backoff: {initial: 50ms, max: 200ms}',
				'',
			].join('\n'),
		);
		const tm = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(tm.stderr, s => /sleeper:1 starting -> running/.test(s) && /crasher running -> backoff/.test(s), {
			what: 'both programs to be supervised',
		});
		const events = () => daemonLog(path.join(dir, 'tmd.log'));
		const pids = events()
			.filter(e => e.task?.startsWith('sleeper') && e.to === 'running')
			.map(e => e.pid ?? 0);
		assert.equal(pids.length, 2);
		assert.ok(pids.every(pid => alive(pid)));
		assert.match(readFileSync(path.join(dir, 'home/logs/crasher.err.log'), 'utf8'), /^boom\n/);

		tm.child.kill('SIGTERM');
		assert.equal(await tm.exited, 0, tm.stderr());
		assert.ok(pids.every(pid => !alive(pid)));
		assert.match(tm.stderr(), /all tasks stopped/);
		const last = events().at(-1);
		assert.equal(last?.message, 'daemon stopped');
		rmSync(dir, {recursive: true, force: true});
	});

	it('an invalid config starts nothing and exits 2 with every problem', async () => {
		const dir = tempDir();
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  a:\n    cmd: sleep 1000\n    stoptime: ten\n    autostrat: true\n');
		const tm = runTm(['up', '--foreground'], {cwd: dir});
		assert.equal(await tm.exited, 2);
		assert.match(tm.stderr(), /programs\.a\.stoptime: expected a duration/);
		assert.match(tm.stderr(), /programs\.a\.autostrat: unknown key; did you mean "autostart"\?/);
		assert.match(tm.stderr(), /nothing was started/);
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('tm up --foreground with nothing running', () => {
	it('stays up while every task waits in backoff or has ended', async () => {
		const dir = tempDir();
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			'programs:\n  slow:\n    cmd: "sh -c \'exit 1\'"\n    starttime: 0\n    backoff: {initial: 300ms, factor: 1, max: 300ms}\n  done:\n    cmd: "true"\n    starttime: 0\n',
		);
		const tm = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(tm.stderr, s => (s.match(/slow backoff -> queued/g) ?? []).length >= 2, {what: 'two retries of slow'});
		tm.child.kill('SIGTERM');
		assert.equal(await tm.exited, 0, tm.stderr());
		rmSync(dir, {recursive: true, force: true});
	});
});
