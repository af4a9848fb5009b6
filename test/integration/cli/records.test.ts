/**
 * Jobs as first-class records (issue 17, seed 001), against a real daemon (`tm up --foreground`
 * through bin/tm.ts) in a temp home: the record fields of every task document, kept across a
 * restart of the daemon.
 */
import assert from 'node:assert/strict';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {assertSchema, parseDocument} from '../../helpers/schema.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

/** Process groups to kill whatever a test left behind. */
const groups = new Set<number>();
after(() => {
	for (const pid of groups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}

	killAllTm();
});

type Daemon = {
	dir: string;
	home: string;
	cli: (...args: string[]) => ReturnType<typeof tm>;
	tasks: () => Promise<TaskStatus[]>;
	until: (id: string, accept: (task: TaskStatus) => boolean, what: string) => Promise<TaskStatus>;
	submit: (...args: string[]) => Promise<string>;
	up: () => Promise<void>;
	down: () => Promise<void>;
};

function daemon(config = 'programs: {}\n'): Daemon {
	const dir = tempDir('tm-records-');
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	let proc: TmProcess | null = null;
	// Global options first: everything after `--` belongs to the job.
	const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH'] ?? '/usr/bin:/bin'}});
	const tasks = async (): Promise<TaskStatus[]> => {
		const result = await cli('tasks', '--json');
		const list = result.code === 0 ? (JSON.parse(result.out) as {tasks: TaskStatus[]}).tasks : [];
		list.forEach(task => task.pid !== null && groups.add(task.pid));
		return list;
	};

	return {
		dir,
		home,
		cli,
		tasks,
		until: async (id, accept, what) =>
			waitFor(async () => (await tasks()).find(task => task.id === id) ?? null, task => task !== null && accept(task), {what, timeout: 20_000}) as Promise<TaskStatus>,
		async submit(...args) {
			const result = await cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			return result.out.trim().split('\n')[0] ?? '';
		},
		async up() {
			proc = runTm(['up', '--foreground'], {cwd: dir});
			groups.add(proc.pid);
			await waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
		},
		async down() {
			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			assert.equal(await proc?.exited, 0);
		},
	};
}

describe('jobs as records', () => {
	it('every job document has createdAt, startedAt, endedAt, cmd, cwd, limits and attempt, kept across a restart', async () => {
		const d = daemon();
		await d.up();
		const work = path.join(d.dir, 'work');
		mkdirSync(work);
		const before = Date.now();
		const id = await d.submit('--cwd', 'work', '--max-runtime', '1m', '--max-memory', '64M', '--watchdog', '30s', '--', 'sh', '-c', 'sleep 0.2; exit 3');
		const done = await d.until(id, task => task.state === 'failed', `${id} failed`);
		assertSchema('tasks', {tasks: [done]});
		assert.equal(done.cmd, 'sh -c sleep 0.2; exit 3');
		assert.equal(done.cwd, work);
		assert.equal(done.attempt, 1);
		assert.deepEqual(done.limits, {maxRuntimeMs: 60_000, maxMemory: 64 * 1024 * 1024, watchdogMs: 30_000, stuck: null});
		const [created, started, ended] = [done.createdAt, done.startedAt, done.endedAt].map(at => Date.parse(at ?? ''));
		assert.ok(created! >= before - 1000 && created! <= started!, `created ${done.createdAt} before started ${done.startedAt}`);
		assert.ok(ended! - started! >= 200, `the run lasted its 0.2 s: ${done.startedAt} → ${done.endedAt}`);
		assert.equal(done.lastExit?.at, done.endedAt, 'the run ended with its exit');

		const running = await d.submit('--', 'sleep', '30');
		const live = await d.until(running, task => task.state === 'running', `${running} running`);
		assert.equal(live.endedAt, null, 'a running job has no end');
		assert.ok(live.startedAt !== null);
		const status = await d.cli('status', '--json');
		assert.match(status.out, /"endedAt": null/);

		await d.down();
		await d.up();
		const again = await d.until(id, () => true, `${id} after a restart`);
		assert.deepEqual(
			[again.createdAt, again.startedAt, again.endedAt, again.cmd, again.cwd],
			[done.createdAt, done.startedAt, done.endedAt, done.cmd, done.cwd],
			'the record survives the daemon',
		);
		const status2 = parseDocument((await d.cli('status', '--json')).out);
		assertSchema('status', status2);
		await d.down();
	});
});
