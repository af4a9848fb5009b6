/**
 * Task semantics of seeds 000, 001 and 004 against a real daemon (`tm up --foreground`):
 * `task_timeout` for a task expected to heartbeat, heartbeats shown late after one interval,
 * timeouts and cancels as outcomes, a give-up limit for programs that keep crashing, and
 * fail-fast submits.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {parsePrometheusText} from '../../helpers/prom-text.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';
import {freePort} from '../../helpers/ports.js';

/** Every pid a task was seen with: their process groups are killed whatever a test left behind. */
const seen = new Set<number>();
after(() => {
	for (const pid of seen) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}

	killAllTm();
});

const root = path.resolve(import.meta.dirname, '../../..');

type Daemon = {
	dir: string;
	home: string;
	process: TmProcess;
	cli(...args: string[]): ReturnType<typeof tm>;
	task(id: string): Promise<TaskStatus | undefined>;
	/** Waits until the task is in `state`; fails with its last document. */
	until(id: string, state: string, timeout?: number): Promise<TaskStatus>;
	down(): Promise<void>;
};

async function daemon(yaml: string): Promise<Daemon> {
	const dir = tempDir();
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const process = runTm(['up', '--foreground'], {cwd: dir});
	// Global options go first: everything after `--` belongs to a job.
	const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
	const task = async (id: string) => {
		const result = await cli('tasks', '--json');
		const tasks = result.code === 0 ? (JSON.parse(result.out) as {tasks: TaskStatus[]}).tasks : [];
		tasks.forEach(t => t.pid !== null && seen.add(t.pid));
		return tasks.find(t => t.id === id);
	};

	await waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
	return {
		dir,
		home,
		process,
		cli,
		task,
		until: async (id, state, timeout = 15_000) => (await waitFor(() => task(id), t => t?.state === state, {what: `${id} ${state}`, timeout}))!,
		async down() {
			await cli('down');
			await process.exited;
		},
	};
}

/** `bin/tm.ts` run in a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
function inTerminal(args: string[], env: Record<string, string>): string {
	const command = [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts'), ...args].map(word => `'${word}'`).join(' ');
	return execFileSync('script', ['-qec', command, '/dev/null'], {env: {...process.env, TERM: 'xterm', ...env}, encoding: 'utf8'});
}

describe('task semantics', () => {
	it('a task expected to heartbeat that never sends one is stopped at task_timeout from its start; a late heartbeat shows after one interval', async () => {
		const d = await daemon(
			[
				'taskmaster:',
				'  sample_interval: 100ms',
				'  task_timeout: 1s',
				'  heartbeat_interval: 300ms',
				'programs:',
				'  mute:',
				'    cmd: "echo interval=$TM_HEARTBEAT_INTERVAL_MS; exec sleep 1000"',
				'    shell: true',
				'    starttime: 0',
				'    heartbeat_interval: 400ms',
				'    autorestart: false',
				'  beat:',
				'    cmd: "echo WATCHDOG=1 >&3; exec sleep 1000"',
				'    shell: true',
				'    starttime: 0',
				'    watchdog: 30s',
				'  plain:',
				'    cmd: sleep 1000',
				'    starttime: 0',
				'',
			].join('\n'),
		);
		const running = await d.until('mute', 'running');
		assert.equal(running.heartbeatAt, null);
		assert.equal(running.watchdogMs, 1000, 'task_timeout is its watchdog before any heartbeat');
		assert.equal(running.heartbeatIntervalMs, 400);
		const failed = await d.until('mute', 'failed');
		assert.equal(failed.cause, 'watchdog');
		assert.match(failed.reason, /^watchdog: no heartbeat for 1s/);
		const history = JSON.parse((await d.cli('history', 'mute', '--json')).out) as {runs: Array<{startedAt: number; endedAt: number | null}>};
		const run = history.runs[0]!;
		const lived = (run.endedAt ?? 0) - run.startedAt;
		assert.ok(lived >= 1000 && lived < 1000 + 100 + 1500, `stopped ${lived} ms after its start (task_timeout 1s, sampled every 100ms)`);
		assert.match((await d.cli('logs', 'mute')).out, /interval=400/);

		const plain = await d.task('plain');
		assert.equal(plain?.state, 'running', 'a task not expected to heartbeat is left alone');
		assert.equal(plain?.watchdogMs, null);

		const beat = await waitFor(async () => (await d.cli('status', 'beat')).out, out => / late\b/.test(out), {what: 'beat late in tm status'});
		assert.match(beat, /^beat\s+running\s.*\d+(ms|s) late/m, 'the daemon’s heartbeat_interval (300ms) passed, the watchdog (30s) did not');
		assert.equal((await d.task('beat'))?.heartbeatIntervalMs, 300);
		const terminal = inTerminal(['status', 'beat', '--home', d.home], {NO_COLOR: ''});
		const escape = '\u001B[';
		assert.match(terminal.replaceAll(escape, 'ESC['), /ESC\[33m\d+(ms|s) late/, 'yellow on a terminal');
		assert.ok(!inTerminal(['status', 'beat', '--home', d.home], {NO_COLOR: '1'}).includes(escape), 'NO_COLOR is honoured');
		await d.down();
	});

	it('a job out of max_runtime is failed with cause max_runtime, not retried unless --retry-on-timeout; a cancelled one is stopped, cause cancelled; tm tasks, history and metrics say so', async () => {
		const port = await freePort();
		const d = await daemon(
			[
				'taskmaster:',
				'  sample_interval: 100ms',
				`  http: 127.0.0.1:${port}`,
				'programs:',
				'  recycled:',
				'    cmd: sleep 1000',
				'    starttime: 0',
				'    max_runtime: 300ms',
				'    autorestart: true',
				'    backoff: {initial: 50ms, max: 50ms}',
				'',
			].join('\n'),
		);
		const submit = async (...args: string[]) => {
			const result = await d.cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			return result.out.trim();
		};

		const slow = await submit('--name', 'slow', '--max-runtime', '300ms', '--retries', '2', '--backoff', '50ms', '--', 'sleep', '1000');
		const retried = await submit('--name', 'retried', '--max-runtime', '300ms', '--retries', '1', '--retry-on-timeout', '--backoff', '50ms', '--', 'sleep', '1000');
		const held = await submit('--name', 'held', '--', 'sleep', '1000');
		await d.until(held, 'running');
		assert.equal((await d.cli('cancel', held)).code, 0);

		const timedOut = await d.until(slow, 'failed');
		assert.equal(timedOut.cause, 'max_runtime');
		assert.equal(timedOut.attempt, 1, 'its two retries were not used');
		assert.equal(timedOut.reason, 'max_runtime 300ms; not retried (tm run --retry-on-timeout would)');
		const again = await d.until(retried, 'failed');
		assert.equal(again.cause, 'max_runtime');
		assert.equal(again.attempt, 2, '--retry-on-timeout: the timeout used its one retry');
		assert.match(again.reason, /^max_runtime 300ms; gave up after 2 tries$/);
		const cancelled = await d.until(held, 'stopped');
		assert.equal(cancelled.cause, 'cancelled');

		const table = (await d.cli('tasks')).out;
		assert.match(table, /^ID +NAME +STATE +CAUSE +PID/m);
		assert.match(table, new RegExp(`^${slow} +slow +failed +max_runtime +- `, 'm'));
		assert.match(table, new RegExp(`^${held} +held +stopped +cancelled +- `, 'm'));
		assert.match((await d.cli('history', slow)).out, /stopping -> failed +max_runtime +[^]*running -> stopping +max_runtime +max_runtime 300ms\n/);
		assert.match((await d.cli('history', held)).out, /stopping -> stopped +cancelled +cancelled/);

		const recycled = await waitFor(() => d.task('recycled'), t => (t?.restarts ?? 0) >= 2, {what: 'a program past max_runtime restarted by its policy'});
		assert.ok(!['failed', 'fatal'].includes(recycled?.state ?? ''));
		assert.match((await d.cli('history', 'recycled')).out, /running -> stopping +max_runtime /);

		// The per-task series follow the tasks' documents, refreshed on their own beat: wait for recycled's.
		const metrics = await waitFor(
			async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
			doc =>
				(doc.get('tm_task_cause')?.samples.some(s => s.labels['task'] === 'recycled') ?? false) &&
				(doc.get('tm_jobs_finished_total')?.samples.filter(s => s.labels['cause'] === 'max_runtime' || s.labels['cause'] === 'cancelled').length ?? 0) >= 2,
			{what: 'the metrics to carry recycled\'s cause'},
		);
		const finished = (labels: Record<string, string>) =>
			metrics.get('tm_jobs_finished_total')?.samples.find(s => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
		assert.equal(finished({state: 'failed', cause: 'max_runtime'}), 2);
		assert.equal(finished({state: 'stopped', cause: 'cancelled'}), 1);
		assert.equal(metrics.get('tm_task_cause')?.samples.filter(s => s.labels['task'] === 'recycled').length, 1);
		await d.down();
	});

	it('tm run --no-queue: refused with exit 5 and why when no slot is free and it outranks no one; it may evict; without it the job queues', async () => {
		const d = await daemon('taskmaster:\n  max_running: 1\nprograms: {}\n');
		const submit = async (...args: string[]) => {
			const result = await d.cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			return result.out.trim();
		};

		const low = await submit('--name', 'low', '--priority', '1', '--', 'sleep', '1000');
		await d.until(low, 'running');
		const count = async () => (JSON.parse((await d.cli('tasks', '--json')).out) as {tasks: unknown[]}).tasks.length;

		// The real executable: its exit code and its words.
		const refused = runTm(['run', '--no-queue', '--', 'true'], {cwd: d.dir});
		assert.equal(await refused.exited, 5, refused.stderr());
		assert.match(refused.stderr(), /not started: the only slot is taken \(max_running 1\), and priority 0 is not above the lowest running \(1\)/);
		assert.equal(refused.stdout(), '');
		const json = runTm(['run', '--no-queue', '--priority', '1', '--json', '--', 'true'], {cwd: d.dir});
		assert.equal(await json.exited, 5);
		assert.equal((JSON.parse(json.stderr()) as {error: {code: string}}).error.code, 'E_NO_SLOT', 'equal priority is not higher: refused');
		assert.equal(await count(), 1, 'nothing was submitted');

		const high = await submit('--no-queue', '--name', 'high', '--priority', '5', '--', 'sleep', '1000');
		await d.until(high, 'running');
		const evicted = await d.until(low, 'queued');
		assert.equal(evicted.cause, 'capacity');

		const queued = await submit('--', 'true');
		const waiting = await d.until(queued, 'queued');
		assert.equal(waiting.reason, 'waiting for a slot (max_running 1)', 'without --no-queue a job waits as before');
		const after = await d.cli('run', '--no-queue', '--after', 'high', '--', 'true');
		assert.equal(after.code, 2);
		assert.match(after.err, /--no-queue and --after do not go together/);
		await d.down();
	});

	it('max_restarts: a program that keeps crashing after it started is given up on (fatal, cause max_restarts); failed starts still count against startretries', async () => {
		const d = await daemon(
			[
				'programs:',
				'  flappy:',
				'    cmd: "sleep 0.2; exit 1"',
				'    shell: true',
				'    starttime: 0',
				'    autorestart: true',
				'    backoff: {initial: 50ms, max: 50ms}',
				'    max_restarts: {count: 2, within: 1m}',
				'  steady:',
				'    cmd: "sleep 0.2; exit 1"',
				'    shell: true',
				'    starttime: 0',
				'    autorestart: true',
				'    backoff: {initial: 50ms, max: 50ms}',
				'',
			].join('\n'),
		);
		const fatal = await d.until('flappy', 'fatal');
		assert.equal(fatal.cause, 'max_restarts');
		assert.equal(fatal.reason, 'exit 1; gave up after 2 restarts within 1m (max_restarts)');
		assert.equal(fatal.restarts, 2, 'three runs: the first and two restarts');
		assert.equal(fatal.lastExit?.code, 1);
		const steady = await waitFor(() => d.task('steady'), t => (t?.restarts ?? 0) >= 4, {what: 'steady restarted more often, without a limit'});
		assert.notEqual(steady?.state, 'fatal');
		const tasks = await d.cli('tasks', '--state', 'fatal');
		assert.match(tasks.out, /^flappy\s+flappy\s+fatal\s.*gave up after 2 restarts/m);
		assert.equal((await d.cli('start', 'flappy', '--no-wait')).code, 0);
		const again = await waitFor(() => d.task('flappy'), t => t?.state === 'fatal' && t.restarts === 4, {what: 'a start by hand counts afresh: two more restarts, then fatal'});
		assert.equal(again?.cause, 'max_restarts');
		await d.down();
	});
});
