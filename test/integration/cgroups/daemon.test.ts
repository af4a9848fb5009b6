/**
 * A real daemon with real cgroups (each run in its own, under tm's folder for its home): the mode
 * it says it uses; a job over max_memory killed by the kernel (cause oom); a double-forking
 * program that leaves nothing behind after tm stop, checked by the pids its cgroup held before;
 * tm pause and resume through the freezer; max_cpu as the kernel's quota; a daemon killed with
 * its tasks running, whose leftovers the next daemon on the home cleans; and the fallback the
 * setting forces. Every test removes the cgroups it made. Skipped, with the reason, where this
 * machine cannot make cgroups.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc, TaskStatus} from '../../../src/core/ipc/methods.js';
import {cgroupPids, homeFolders, leftFolders, machineMode, noCgroups, noController, readKeyed, removeHomeCgroups, runFolder} from '../../helpers/cgroups.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids} from '../../helpers/procs.js';
import {daemonLog, killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

const homes: string[] = [];
const leftovers: number[] = [];
after(async () => {
	killAllTm();
	killPids(leftovers);
	for (const home of homes) {
		await removeHomeCgroups(home);
	}
});

type Daemon = {dir: string; home: string; process: TmProcess; cli(...args: string[]): ReturnType<typeof tm>; task(id: string): Promise<TaskStatus | undefined>; down(): Promise<void>};

async function daemon(yaml: string, dir = tempDir('tm-cgroups-'), env: Record<string, string> = {}): Promise<Daemon> {
	const home = path.join(dir, 'home');
	homes.push(home);
	writeFileSync(path.join(dir, 'tm.yaml'), `taskmaster:\n  logfile: ./tmd.log\n  http: off\n  sample_interval: 200ms\n${yaml}`);
	const process = runTm(['up', '--foreground'], {cwd: dir, env});
	// --home before a `--` (tm run's command follows it).
	const cli = (...args: string[]) => {
		const end = args.includes('--') ? args.indexOf('--') : args.length;
		return tm([...args.slice(0, end), '--home', home, ...args.slice(end)], {cwd: dir, env: {HOME: dir}});
	};
	await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
	const task = async (id: string) => (JSON.parse((await cli('status', '--json')).out) as StatusDoc).tasks.find(t => t.id === id);
	const down = async (): Promise<void> => {
		await cli('down');
		await process.exited;
	};

	return {dir, home, process, cli, task, down};
}

/** The state letter of a pid (`S`, `T` for stopped by a signal…). */
const stateOf = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] ?? '?';

describe('a daemon with cgroups', {skip: noCgroups}, () => {
	it('says which mode it uses: the daemon log\'s start line, tm status, tm version', async () => {
		const d = await daemon('programs: {}\n');
		const started = await waitFor(() => daemonLog(path.join(d.dir, 'tmd.log')).find(line => line.message === 'daemon started'), line => line !== undefined, {what: 'the start line'});
		assert.equal((started as {cgroups?: string}).cgroups, machineMode);
		const status = JSON.parse((await d.cli('status', '--json')).out) as StatusDoc;
		assert.equal(status.daemon.cgroups, machineMode);
		assert.equal((JSON.parse((await d.cli('version', '--json')).out) as {cgroups: string}).cgroups, machineMode);
		assert.ok(existsSync(homeFolders(d.home)[0] ?? ''), 'tm\'s folder for this home is made at start');
		await d.down();
		assert.deepEqual(leftFolders(d.home), [], 'and removed at shutdown');
	});

	it('a job over max_memory is killed by the kernel: cause oom, from the cgroup\'s counter', {skip: noController('memory')}, async () => {
		const d = await daemon('programs: {}\n');
		const run = await d.cli('run', '--name', 'hog', '--max-memory', '50M', '--json', '--', 'sh', '-c', 'head -c 200M /dev/zero | tail');
		assert.equal(run.code, 0, run.err);
		const {id} = JSON.parse(run.out) as {id: string};
		const job = await waitFor(async () => d.task(id), t => t?.state === 'failed', {what: 'the job to fail', timeout: 20_000});
		assert.equal(job?.cause, 'oom');
		assert.match(job?.reason ?? '', /^oom: the kernel killed 1 process at max_memory 50M \(v[12] memory cgroup\)/);
		await d.down();
		assert.deepEqual(leftFolders(d.home), []);
	});

	it('a double-forking program (daemonizes: true) leaves nothing behind after tm stop: every pid its cgroup held is gone', async () => {
		// The second background process clears its environment: tm's markers cannot find it, its cgroup can.
		const d = await daemon('programs:\n  bg:\n    cmd: "setsid sleep 1021 & env -i setsid sleep 1022 & exit 0"\n    shell: true\n    starttime: 0\n    daemonizes: true\n');
		const tracked = await waitFor(async () => d.task('bg'), t => t?.state === 'running' && t.cause === 'daemonized', {what: 'bg tracking its background process'});
		const folder = runFolder(d.home, 'bg');
		const inside = await waitFor(() => cgroupPids(folder), pids => pids.length === 2, {what: `both background sleeps in ${folder}`});
		leftovers.push(...inside);
		assert.ok(inside.includes(tracked?.pid ?? 0), `the tracked pid ${tracked?.pid} is one of ${inside.join(', ')}`);
		assert.equal((await d.cli('stop', 'bg')).code, 0);
		for (const pid of inside) {
			await waitFor(() => alive(pid), isAlive => !isAlive, {what: `pid ${pid} of bg's cgroup to be gone after tm stop`});
		}

		await waitFor(() => existsSync(folder), there => !there, {what: 'bg\'s cgroup to be removed'});
		assert.equal((await d.task('bg'))?.state, 'stopped');
		await d.down();
	});

	it('tm pause freezes the whole run through its cgroup (no SIGSTOP), tm resume thaws it', async () => {
		const d = await daemon('programs:\n  ticker:\n    cmd: "sh -c \'sleep 1030 & while :; do sleep 0.05; done\'"\n    starttime: 0\n');
		const running = await waitFor(async () => d.task('ticker'), t => t?.state === 'running', {what: 'ticker running'});
		const folder = runFolder(d.home, 'ticker');
		const pids = await waitFor(() => cgroupPids(folder), found => found.length >= 2, {what: 'the shell and its children in the cgroup'});
		leftovers.push(...pids);
		assert.equal((await d.cli('pause', 'ticker')).code, 0);
		await waitFor(() => readKeyed(path.join(folder, 'cgroup.events'))['frozen'], frozen => frozen === 1, {what: 'cgroup.events frozen 1'});
		assert.equal(readFileSync(path.join(folder, 'cgroup.freeze'), 'utf8').trim(), '1');
		assert.notEqual(stateOf(running?.pid ?? 0), 'T', 'frozen, not stopped by a signal');
		assert.equal((await d.task('ticker'))?.state, 'paused');
		assert.equal((await d.cli('resume', 'ticker')).code, 0);
		await waitFor(() => readKeyed(path.join(folder, 'cgroup.events'))['frozen'], frozen => frozen === 0, {what: 'cgroup.events frozen 0'});
		assert.equal((await d.task('ticker'))?.state, 'running');
		// Paused again, then stopped: thawed so the stop signal is acted on.
		await d.cli('pause', 'ticker');
		await waitFor(() => readKeyed(path.join(folder, 'cgroup.events'))['frozen'], frozen => frozen === 1, {what: 'frozen again'});
		assert.equal((await d.cli('stop', 'ticker')).code, 0);
		assert.equal((await d.task('ticker'))?.state, 'stopped');
		for (const pid of pids) {
			assert.equal(alive(pid), false, `pid ${pid} gone`);
		}

		await d.down();
	});

	it('max_cpu is the kernel\'s quota: a busy loop with max_cpu 0.2 is throttled', {skip: noController('cpu')}, async () => {
		const d = await daemon('programs:\n  spin:\n    cmd: "sh -c \'while :; do :; done\'"\n    starttime: 0\n    max_cpu: 0.2\n');
		await waitFor(async () => d.task('spin'), t => t?.state === 'running', {what: 'spin running'});
		const folder = homeFolders(d.home).map(dir => path.join(dir, 'spin')).find(dir => existsSync(path.join(dir, 'cpu.max')) || existsSync(path.join(dir, 'cpu.cfs_quota_us')));
		assert.ok(folder !== undefined, 'a cpu folder for the run');
		const v2 = existsSync(path.join(folder, 'cpu.max'));
		assert.equal(readFileSync(path.join(folder, v2 ? 'cpu.max' : 'cpu.cfs_quota_us'), 'utf8').trim(), v2 ? '20000 100000' : '20000');
		await waitFor(() => readKeyed(path.join(folder, 'cpu.stat'))['nr_throttled'] ?? 0, throttled => throttled > 0, {what: 'the kernel throttling it'});
		await d.down();
		assert.deepEqual(leftFolders(d.home), []);
	});

	it('a daemon killed with its tasks running: the next one on the home stops them, kills what its cgroups still hold, and removes them', async () => {
		const dir = tempDir('tm-cgroups-killed-');
		const yaml = 'programs:\n  web:\n    cmd: "env -i setsid sleep 1041 & echo $! > hidden.pid; exec sleep 1042"\n    shell: true\n    starttime: 0\n';
		const first = await daemon(yaml, dir);
		await waitFor(async () => first.task('web'), t => t?.state === 'running', {what: 'web running'});
		const hidden = Number(await waitFor(() => (existsSync(path.join(dir, 'hidden.pid')) ? readFileSync(path.join(dir, 'hidden.pid'), 'utf8') : ''), text => /^\d+\n$/.test(text), {what: 'the hidden pid'}));
		leftovers.push(hidden);
		await waitFor(() => cgroupPids(runFolder(first.home, 'web')), pids => pids.includes(hidden), {what: 'the hidden sleep in web\'s cgroup'});
		process.kill(first.process.pid, 'SIGKILL');
		await first.process.exited;
		assert.ok(alive(hidden), 'the killed daemon\'s tasks live on');
		const second = await daemon(yaml, dir);
		await waitFor(() => alive(hidden), isAlive => !isAlive, {what: `the hidden sleep ${hidden} killed by the next daemon`, timeout: 20_000});
		await waitFor(async () => second.task('web'), t => t?.state === 'running', {what: 'web running again'});
		await second.down();
		assert.deepEqual(leftFolders(second.home), [], 'nothing left after tm down');
	});
});

describe('cgroups off (taskmaster.cgroups: off)', () => {
	it('runs tasks in process groups as before, says so, and makes no cgroup: tm pause is a SIGSTOP', async () => {
		const d = await daemon('  cgroups: off\nprograms:\n  idle:\n    cmd: "sleep 1050"\n    starttime: 0\n');
		const started = await waitFor(() => daemonLog(path.join(d.dir, 'tmd.log')).find(line => line.message === 'daemon started'), line => line !== undefined, {what: 'the start line'});
		assert.equal((started as {cgroups?: string}).cgroups, 'process groups (taskmaster.cgroups: off)');
		const idle = await waitFor(async () => d.task('idle'), t => t?.state === 'running', {what: 'idle running'});
		leftovers.push(idle?.pid ?? 0);
		assert.deepEqual(leftFolders(d.home), []);
		await d.cli('pause', 'idle');
		await waitFor(() => stateOf(idle?.pid ?? 0), state => state === 'T', {what: 'idle stopped by SIGSTOP'});
		await d.cli('resume', 'idle');
		await waitFor(() => stateOf(idle?.pid ?? 0), state => state !== 'T', {what: 'idle continued'});
		await d.down();
		assert.equal(alive(idle?.pid ?? 0), false);
	});
});
