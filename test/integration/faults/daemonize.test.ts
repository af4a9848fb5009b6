/**
 * Programs that fork into the background, and tm as PID 1, against a real daemon: what a task
 * leaves in a session of its own is found (tm is a child subreaper), stopped with the task, and
 * said; as PID 1 of a PID namespace tm reaps every orphan that reaches it.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc, TaskStatus} from '../../../src/core/ipc/methods.js';
import {noCgroups} from '../../helpers/cgroups.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

const leftovers: number[] = [];
const namespaces: number[] = [];
after(() => {
	killAllTm();
	for (const pid of [...leftovers, ...namespaces.map(pid => -pid)]) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// gone
		}
	}
});

type Daemon = {dir: string; process: TmProcess; cli(...args: string[]): ReturnType<typeof tm>; task(id: string): Promise<TaskStatus | undefined>};

async function daemon(yaml: string, dir = tempDir('tm-daemonize-')): Promise<Daemon> {
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const process = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
	await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
	const task = async (id: string) => (JSON.parse((await cli('status', '--json')).out) as StatusDoc).tasks.find(t => t.id === id);
	return {dir, process, cli, task};
}

/** The pid a program wrote to `file` (its background process), once it is there. */
async function pidIn(file: string): Promise<number> {
	const text = await waitFor(
		() => {
			try {
				return readFileSync(file, 'utf8');
			} catch {
				return '';
			}
		},
		value => /^\d+\n/.test(value),
		{what: `a pid in ${file}`},
	);
	const pid = Number(text.trim());
	leftovers.push(pid);
	return pid;
}

describe('a program that forks into the background', () => {
	it('is not completed: the process it left is stopped, and the task says it daemonized and how to fix it', async () => {
		const d = await daemon(
			'programs:\n  bg:\n    cmd: "setsid sleep 1001 & echo $! > bg.pid; exit 0"\n    shell: true\n    starttime: 0\n    startretries: 0\n    autorestart: false\n',
		);
		const pid = await pidIn(path.join(d.dir, 'bg.pid'));
		const task = await waitFor(async () => d.task('bg'), t => t?.state === 'failed' || t?.state === 'fatal' || t?.state === 'completed', {what: 'bg to end'});
		assert.notEqual(task?.state, 'completed');
		assert.equal(task?.cause, 'daemonized');
		assert.match(task?.reason ?? '', new RegExp(`leaving pid ${pid} in the background \\(it daemonized\\).*foreground`));
		await waitFor(() => alive(pid), value => !value, {what: `the background sleep ${pid} to be gone`});
		await d.cli('down');
		await d.process.exited;
	});

	it('a job that daemonizes fails with that cause', async () => {
		const d = await daemon('programs: {}\n');
		const run = await tm(['run', '--name', 'bgjob', '--json', '--home', path.join(d.dir, 'home'), '--', 'sh', '-c', 'setsid sleep 1002 & echo $! > bgjob.pid; exit 0'], {cwd: d.dir, env: {HOME: d.dir}});
		assert.equal(run.code, 0, run.err);
		const id = (JSON.parse(run.out) as {id: string}).id;
		const pid = await pidIn(path.join(d.dir, 'bgjob.pid'));
		const job = await waitFor(async () => d.task(id), t => t?.state === 'failed' || t?.state === 'completed', {what: 'the job to end'});
		assert.equal(job?.state, 'failed');
		assert.equal(job?.cause, 'daemonized');
		await waitFor(() => alive(pid), value => !value, {what: `the job's background sleep ${pid} to be gone`});
		await d.cli('down');
		await d.process.exited;
	});

	it('with daemonizes: true, tm tracks the process it left (systemd\'s forking): its exit is the task\'s, and tm stop stops it', async () => {
		const d = await daemon(
			'programs:\n  classic:\n    cmd: "setsid sleep 1007 & echo $! > classic.pid; exit 0"\n    shell: true\n    starttime: 0\n    daemonizes: true\n    backoff: {initial: 100ms}\n',
		);
		const first = await pidIn(path.join(d.dir, 'classic.pid'));
		const tracked = await waitFor(async () => d.task('classic'), t => t?.pid === first && t.state === 'running', {what: `classic tracking ${first}`});
		assert.equal(tracked?.cause, 'daemonized');
		assert.equal(tracked?.reason, `daemonized: tracking pid ${first}`);
		// Its end is the task's end: killed, it is restarted as any crash.
		process.kill(first, 'SIGKILL');
		// Running with cause daemonized: tracking the new background process, not its short-lived shell.
		const again = await waitFor(
			async () => d.task('classic'),
			t => t?.state === 'running' && t.cause === 'daemonized' && t.pid !== first && (t.restarts ?? 0) >= 1,
			{what: 'classic restarted and tracking a new pid'},
		);
		const second = again?.pid ?? 0;
		leftovers.push(second);
		assert.ok(alive(second));
		assert.equal((await d.cli('stop', 'classic')).code, 0);
		await waitFor(() => alive(second), value => !value, {what: `the tracked sleep ${second} to be stopped`});
		assert.equal((await d.task('classic'))?.state, 'stopped');
		await d.cli('down');
		await d.process.exited;
	});

	it('with daemonizes: true, tracks a process left without tm\'s environment: its cgroup holds it', {skip: noCgroups}, async () => {
		// `env -i`: no TM_* variables to find it by (as for a child caught mid-exec when its parent
		// exits); the shell exits once the child's environment is the empty one.
		const d = await daemon(
			'programs:\n  bare:\n    cmd: "env -i setsid sleep 1010 & p=$!; while grep -qa TM_ /proc/$p/environ; do sleep 0.01; done; echo $p > bare.pid; exit 0"\n    shell: true\n    starttime: 0\n    daemonizes: true\n    backoff: {initial: 100ms}\n',
		);
		const pid = await pidIn(path.join(d.dir, 'bare.pid'));
		const tracked = await waitFor(async () => d.task('bare'), t => t?.state === 'running' && t.cause === 'daemonized', {what: `bare tracking ${pid}`});
		assert.equal(tracked?.pid, pid);
		assert.equal(tracked?.restarts ?? 0, 0);
		assert.equal((await d.cli('stop', 'bare')).code, 0);
		await waitFor(() => alive(pid), value => !value, {what: `the tracked sleep ${pid} to be stopped`});
		await d.cli('down');
		await d.process.exited;
	});

	it('counts the memory of the orphans a running task makes as the task\'s, and stops them with it', async () => {
		const hog = `${JSON.stringify(process.execPath)} -e 'globalThis.b = Buffer.alloc(200e6, 1); setInterval(() => {}, 1e6)' hog-orphan`;
		const d = await daemon(
			`taskmaster:\n  sample_interval: 200ms\nprograms:\n  parent:\n    cmd: "(setsid ${hog.replaceAll('"', '\\"')} & echo $! > hog.pid); exec sleep 1008"\n    shell: true\n    starttime: 0\n`,
		);
		const orphan = await pidIn(path.join(d.dir, 'hog.pid'));
		const task = await waitFor(async () => d.task('parent'), t => (t?.memory ?? 0) > 150e6, {what: 'the orphan\'s 200 MB counted in parent\'s memory', timeout: 15_000});
		assert.notEqual(task?.pid, orphan);
		assert.equal((await d.cli('stop', 'parent')).code, 0);
		await waitFor(() => alive(orphan), value => !value, {what: `the orphan ${orphan} to be stopped with its task`});
		await d.cli('down');
		await d.process.exited;
	});

	for (const how of ['stop', 'down'] as const) {
		it(`tm ${how} leaves nothing of a task behind, in its group or in a session of its own`, async () => {
			const d = await daemon('programs:\n  web:\n    cmd: "setsid sleep 1003 & echo $! > web.pid; exec sleep 1004"\n    shell: true\n    starttime: 0\n');
			const escaped = await pidIn(path.join(d.dir, 'web.pid'));
			const main = (await waitFor(async () => d.task('web'), t => t?.state === 'running' && t.pid !== null, {what: 'web running'}))?.pid ?? 0;
			assert.ok(alive(escaped) && alive(main));
			if (how === 'stop') {
				assert.equal((await d.cli('stop', 'web')).code, 0);
				await waitFor(() => alive(escaped), value => !value, {what: `the escaped sleep ${escaped} to be gone after tm stop`});
				await d.cli('down');
			} else {
				await d.cli('down');
			}

			await d.process.exited;
			assert.equal(alive(main), false);
			assert.equal(alive(escaped), false, `the escaped sleep ${escaped} is gone after tm ${how}`);
		});
	}
});

const unshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** Zombies whose parent is `parent`: the orphans nobody reaped. */
function zombiesOf(parent: number): number[] {
	let children: string;
	try {
		children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8');
	} catch {
		return [];
	}

	return children
		.split(' ')
		.filter(Boolean)
		.map(Number)
		.filter(pid => {
			try {
				const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
				return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
			} catch {
				return false;
			}
		});
}

describe('tm as PID 1 of a PID namespace', () => {
	it('reaps every orphan that reaches it', {skip: unshare ? false : 'unshare --pid needs root (CAP_SYS_ADMIN)'}, async () => {
		const dir = tempDir('tm-pid1-');
		const home = path.join(dir, 'home');
		// Each wave orphans 50 short-lived processes (a subshell that exits at once), which reach PID 1.
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			'programs:\n  orphaner:\n    cmd: "while :; do for i in $(seq 50); do (sleep 0.05 &); done; echo wave; sleep 1; done"\n    shell: true\n    starttime: 0\n',
		);
		const root = path.resolve(import.meta.dirname, '../../..');
		const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts'), 'up', '--foreground', '--home', home], {
			cwd: dir,
			env: {...process.env, TM_HOME: home},
			stdio: ['ignore', 'ignore', 'pipe'],
			detached: true,
		});
		namespaces.push(child.pid ?? 0);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: `the daemon in its namespace to answer (${stderr})`, timeout: 20_000});
		const pid1 = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
		assert.match(readFileSync(`/proc/${pid1}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/, 'the daemon is PID 1 in its namespace');
		// Three waves, 150 orphans.
		await waitFor(async () => (await cli('logs', 'orphaner', '-n', '10')).out.split('wave').length - 1, waves => waves >= 3, {what: 'three waves', timeout: 15_000});
		// An orphan may be caught between its exit and its reaping: wait for a moment with none.
		const zombies = await waitFor(() => zombiesOf(pid1).length, count => count === 0, {what: 'no zombies under PID 1', timeout: 5000});
		assert.equal(zombies, 0);
		await cli('down');
		await new Promise(resolve => child.on('exit', resolve));
	});
});
