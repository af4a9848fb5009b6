/**
 * Jobs end to end (SPEC §4): `tm run`, `tm tasks`, `tm cancel/retry/pause/resume` against a real
 * daemon (`tm up --foreground`) in a temp home, with --json documents and exit codes.
 */
import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../../src/core/ipc/client.js';
import type {TaskActionResults, TaskDetail, TaskStatus} from '../../../src/core/ipc/methods.js';
import {frozen as freezerHolds} from '../../helpers/cgroups.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids, pidsWithArg} from '../../helpers/procs.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

/** Every pid a job was seen with: their process groups are killed whatever a test left behind. */
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

type Daemon = {
	dir: string;
	cli: (...args: string[]) => ReturnType<typeof tm>;
	tasks: () => Promise<TaskStatus[]>;
	task: (id: string) => Promise<TaskStatus>;
	/** Waits until the task is in `state`; fails with its last state and reason. */
	until: (id: string, state: string, what?: string) => Promise<TaskStatus>;
	submit: (...args: string[]) => Promise<string>;
	/** The daemon's `describe` document of a task. */
	describe: (id: string) => Promise<TaskDetail>;
	down: () => Promise<void>;
};

async function daemon(config = 'programs: {}\n'): Promise<Daemon> {
	const dir = tempDir();
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	const proc = runTm(['up', '--foreground'], {cwd: dir});
	// Global options go first: everything after `--` belongs to the job.
	const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
	const tasks = async (): Promise<TaskStatus[]> => {
		const result = await cli('tasks', '--json');
		const list = result.code === 0 ? (JSON.parse(result.out) as {tasks: TaskStatus[]}).tasks : [];
		list.forEach(t => t.pid !== null && seen.add(t.pid));
		return list;
	};

	const task = async (id: string): Promise<TaskStatus> => {
		const found = (await tasks()).find(t => t.id === id);
		assert.ok(found, `${id} is in tm tasks`);
		return found;
	};

	await waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
	return {
		dir,
		cli,
		tasks,
		task,
		until: async (id, state, what) =>
			waitFor(() => task(id), t => t.state === state, {what: what ?? `${id} ${state}`, timeout: 20_000}),
		async submit(...args) {
			const result = await cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			assert.match(result.out, /^j-[0-9a-f]{8}\n$/);
			return result.out.trim();
		},
		async describe(id) {
			const client = await RpcClient.connect(path.join(home, 'tm.sock'));
			try {
				return await client.call('describe', {name: id});
			} finally {
				client.close();
			}
		},
		async down() {
			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			assert.equal(await proc.exited, 0);
		},
	};
}

const lines = (file: string): string[] => {
	try {
		return readFileSync(file, 'utf8').split('\n').filter(Boolean);
	} catch {
		return [];
	}
};

describe('tm run and tm tasks', () => {
	it('submits jobs, lists them, waits for them, and reports bad input with the option and the fix', async () => {
		const d = await daemon();
		const hello = await d.submit('--', 'sh', '-c', 'echo hello-from-job; pwd; echo to-stderr >&2');
		const done = await d.until(hello, 'completed');
		assert.equal(done.kind, 'job');
		assert.equal(done.exitCode, 0);
		assert.equal(done.attempt, 1);
		const logs = await d.cli('logs', hello, '--stdout');
		assert.equal(logs.code, 0, logs.err);
		assert.equal(logs.out, `hello-from-job\n${d.dir}\n`, "a job's output; it runs in the CLI's folder by default");
		assert.equal((await d.cli('logs', hello, '--stderr')).out, 'to-stderr\n');

		const table = await d.cli('tasks');
		assert.equal(table.code, 0, table.err);
		const [header, row] = table.out.split('\n');
		assert.match(header ?? '', /^ID +NAME +STATE +CAUSE +PID +PRIORITY +ATTEMPT +PROGRESS +REASON$/);
		assert.match(row ?? '', new RegExp(`^${hello} +${hello} +completed +exit +- +0 +1 +- +exit 0$`));

		// --wait: the job's own exit code; --json: one document.
		const three = await d.cli('run', '--wait', '--', 'sh', '-c', 'exit 3');
		assert.equal(three.code, 3, three.err);
		assert.match(three.out, /^j-[0-9a-f]{8}\nj-[0-9a-f]{8}: failed \(exit 3; gave up after 1 try\)\n$/);
		const waited = await d.cli('run', '--wait', '--json', '--shell', '--', 'echo', 'shell;', 'exit', '5');
		assert.equal(waited.code, 5, waited.err);
		const doc = JSON.parse(waited.out) as {id: string; state: string; exitCode: number; reason: string};
		assert.deepEqual(Object.keys(doc), ['id', 'state', 'exitCode', 'reason']);
		assert.equal(doc.state, 'failed');
		assert.equal(doc.exitCode, 5);
		assert.equal((await d.cli('logs', doc.id)).out, 'shell\n');
		const ok = await d.cli('run', '--wait', '--', 'true');
		assert.equal(ok.code, 0, ok.err);
		assert.match(ok.out, /: completed \(exit 0\)\n$/);

		// --json, --name, --priority, --cwd (relative to the CLI's folder), --env, and the limits reach the daemon.
		mkdirSync(path.join(d.dir, 'sub'));
		const submitted = await d.cli(
			'run',
			'--json',
			'--name',
			'backup',
			'--priority',
			'7',
			'--cwd',
			'sub',
			'--env',
			'GREETING=hi there',
			'--env',
			'EQ=a=b',
			'--retries',
			'2',
			'--backoff',
			'initial=50ms,factor=1',
			'--max-runtime',
			'2h',
			'--watchdog',
			'1h',
			'--max-memory',
			'1G',
			'--',
			'sh',
			'-c',
			'echo "$GREETING $EQ $TM_ATTEMPT $TM_WATCHDOG_MS $(pwd)"',
		);
		assert.equal(submitted.code, 0, submitted.err);
		const {id} = JSON.parse(submitted.out) as {id: string};
		assert.deepEqual(JSON.parse(submitted.out) as object, {id, name: 'backup'});
		const backup = await d.until(id, 'completed');
		assert.equal(backup.program, 'backup');
		assert.equal(backup.priority, 7);
		const sub = path.join(d.dir, 'sub');
		assert.equal((await d.cli('logs', id)).out, `hi there a=b 1 3600000 ${sub}\n`);
		const detail = await d.describe(id);
		assert.deepEqual(
			[detail.cwd, detail.maxRetries, detail.maxRuntimeMs, detail.watchdogMs, detail.maxMemory, detail.argv],
			[sub, 2, 7_200_000, 3_600_000, 1024 ** 3, ['sh', '-c', 'echo "$GREETING $EQ $TM_ATTEMPT $TM_WATCHDOG_MS $(pwd)"']],
		);

		// --state filters, repeated or comma-separated.
		const finished = JSON.parse((await d.cli('tasks', '--state', 'completed', '--json')).out) as {tasks: TaskStatus[]};
		assert.deepEqual(finished.tasks.map(t => t.state), ['completed', 'completed', 'completed']);
		const both = JSON.parse((await d.cli('tasks', '--state', 'completed,failed', '--json')).out) as {tasks: TaskStatus[]};
		assert.equal(both.tasks.length, 5);

		// Bad input: exit 2 naming the option; an unknown --after: exit 4.
		const bad = async (args: string[], pattern: RegExp, code = 2) => {
			const result = await d.cli('run', ...args, '--', 'true');
			assert.equal(result.code, code, `${args.join(' ')}: ${result.err}`);
			assert.match(result.err, pattern);
		};

		await bad(['--priority', 'high'], /--priority takes a whole number, got "high"/);
		await bad(['--env', 'NOVALUE'], /--env takes NAME=VALUE .*got "NOVALUE"/);
		await bad(['--backoff', 'factr=2'], /--backoff: unknown key "factr"; did you mean "factor"\?/);
		await bad(['--max-runtime', 'ten'], /--max-runtime: expected a duration like 30s/);
		await bad(['--watchdog', '0'], /--watchdog must be longer than 0/);
		await bad(['--max-memory', 'lots'], /--max-memory: expected a size/);
		await bad(['--max-cpu', '0'], /--max-cpu must be a number of CPUs of at least 0.01, like 1.5, got "0"/);
		await bad(['--cwd', 'nowhere'], /--cwd: no such directory: .*nowhere/);
		await bad(['--after', 'ghost'], /no such task: ghost \(named by --after\)/, 4);
		const json = await d.cli('--json', 'run', '--after', 'ghost', '--', 'true');
		assert.equal((JSON.parse(json.err) as {error: {code: string}}).error.code, 'E_UNKNOWN_TASK');
		assert.equal((await d.tasks()).length, 5, 'nothing was submitted by a refused run');

		await d.down();
		const gone = await d.cli('run', '--', 'true');
		assert.equal(gone.code, 3);
	});

	it('--retries N: a job that keeps failing runs N + 1 times, then is failed', async () => {
		const d = await daemon();
		try {
			const runs = path.join(d.dir, 'runs');
			const id = await d.submit('--retries', '2', '--backoff', '50ms', '--', 'sh', '-c', `echo $TM_ATTEMPT >> ${runs}; exit 7`);
			const failed = await waitFor(() => d.task(id), t => t.state === 'failed', {what: `${id} failed`, timeout: 5000});
			assert.equal(failed.exitCode, 7);
			assert.deepEqual(lines(runs), ['1', '2', '3']);
		} finally {
			await d.down();
		}
	});

	it('shows a job\'s --name as its name in tm tasks --json', async () => {
		const d = await daemon();
		const id = await d.submit('--name', 'nightly', '--', 'true');
		try {
			assert.equal((await d.task(id)).name, 'nightly');
		} finally {
			await d.down();
		}
	});
});

describe('the queue', () => {
	it('starts queued jobs by priority, FIFO among equals, when a slot frees up', async () => {
		const d = await daemon('taskmaster:\n  max_running: 1\nprograms: {}\n');
		// The blocker outranks every job below, so none of them evicts it.
		const blocker = await d.submit('--name', 'blocker', '--priority', '100', '--', 'sleep', '1000');
		await d.until(blocker, 'running');
		const order = path.join(d.dir, 'order.txt');
		const jobs: Array<[string, string]> = [
			['low-a', '1'],
			['high-a', '5'],
			['mid', '3'],
			['high-b', '5'],
			['low-b', '1'],
		];
		for (const [name, priority] of jobs) {
			await d.submit('--name', name, '--priority', priority, '--', 'sh', '-c', `echo ${name} >> ${order}`);
		}

		const queued = await d.tasks();
		assert.deepEqual(
			queued.filter(t => t.program !== 'blocker').map(t => [t.program, t.state]),
			jobs.map(([name]) => [name, 'queued']),
		);

		const cancel = await d.cli('cancel', blocker, '--json');
		assert.equal(cancel.code, 0, cancel.err);
		await waitFor(() => lines(order), names => names.length === 5, {what: 'all five jobs to run', timeout: 20_000});
		assert.deepEqual(lines(order), ['high-a', 'high-b', 'mid', 'low-a', 'low-b']);
		assert.equal((await d.task(blocker)).reason, 'cancelled');
		await d.down();
	});

	it('a higher priority job evicts a lower running one, which goes back to the queue and runs again', async () => {
		const d = await daemon('taskmaster:\n  max_running: 1\nprograms: {}\n');
		const low = await d.submit('--name', 'low', '--', 'sleep', '1000');
		const first = await d.until(low, 'running');
		const gate = path.join(d.dir, 'go');
		const high = await d.submit('--name', 'high', '--priority', '5', '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done`);
		await d.until(high, 'running');
		const evicted = await d.task(low);
		assert.equal(evicted.state, 'queued');
		assert.equal(evicted.reason, 'waiting for a slot (max_running 1)');
		assert.equal(evicted.attempt, 1, 'waiting, it shows the attempt that ran');
		assert.match((await d.cli('tasks')).out, new RegExp(`^${low} +low +queued +\\S+ +- +0 +1 `, 'm'), 'ATTEMPT 1 in tm tasks');
		const history = JSON.parse((await d.cli('history', low, '--json')).out) as {events: Array<{data: {reason?: string; to?: string}}>};
		assert.equal(history.events.find(e => e.data.to === 'stopping')?.data.reason, `evicted by high (${high}, priority 5 > 0)`);
		assert.ok(first.pid !== null && !alive(first.pid), 'the evicted run was stopped');
		writeFileSync(gate, '');
		await d.until(high, 'completed');
		const again = await d.until(low, 'running', 'low running again');
		assert.notEqual(again.pid, first.pid);
		assert.equal(again.attempt, 2, 'the run again is the next attempt (TM_ATTEMPT 2: an earlier run may have done some work)');
		assert.equal(again.failures, 0, 'an eviction uses none of the retries');
		await d.down();
	});

	it('--after: a chain runs in order; behind a failed job the rest stay queued and say why; retry unblocks them', async () => {
		const d = await daemon();
		const chain = path.join(d.dir, 'chain.txt');
		const gate = path.join(d.dir, 'go');
		const a = await d.submit('--name', 'a', '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done; echo a >> ${chain}`);
		const b = await d.submit('--name', 'b', '--after', 'a', '--', 'sh', '-c', `echo b >> ${chain}`);
		const c = await d.submit('--after', b, '--', 'sh', '-c', `echo c >> ${chain}`);
		await d.until(a, 'running');
		assert.equal((await d.task(b)).state, 'queued');
		assert.match((await d.task(b)).reason, /waiting for a \(succeeded\)/);
		assert.match((await d.task(c)).reason, new RegExp(`waiting for ${b}`));
		writeFileSync(gate, '');
		await d.until(c, 'completed');
		assert.deepEqual(lines(chain), ['a', 'b', 'c']);

		// x fails: y and z wait, naming what they wait for.
		const ok = path.join(d.dir, 'ok');
		const x = await d.submit('--name', 'x', '--', 'sh', '-c', `echo x >> ${chain}; [ -e ${ok} ]`);
		const y = await d.submit('--name', 'y', '--after', 'x', '--', 'sh', '-c', `echo y >> ${chain}`);
		const z = await d.submit('--name', 'z', '--after', 'y', '--', 'sh', '-c', `echo z >> ${chain}`);
		await d.until(x, 'failed');
		const yTask = await waitFor(() => d.task(y), t => /failed/.test(t.reason), {what: 'y to name the failed x'});
		assert.equal(yTask.state, 'queued');
		assert.match(yTask.reason, new RegExp(`waiting for x \\(succeeded\\): ${x} failed: exit 1`));
		const zTask = await d.task(z);
		assert.equal(zTask.state, 'queued');
		assert.match(zTask.reason, new RegExp(`waiting for y \\(succeeded\\): ${y} queued`));
		assert.deepEqual(lines(chain), ['a', 'b', 'c', 'x']);

		writeFileSync(ok, '');
		const retry = await d.cli('retry', 'x', '--json');
		assert.equal(retry.code, 0, retry.err);
		assert.equal((JSON.parse(retry.out) as TaskActionResults).results[0]?.ok, true);
		await d.until(z, 'completed');
		assert.deepEqual(lines(chain), ['a', 'b', 'c', 'x', 'x', 'y', 'z']);
		assert.equal((await d.task(x)).state, 'completed');
		await d.down();
	});

	it('a job two steps behind a failed one names the failure that blocks it', async () => {
		const d = await daemon();
		try {
			const x = await d.submit('--name', 'x', '--', 'false');
			await d.submit('--name', 'y', '--after', 'x', '--', 'true');
			const z = await d.submit('--name', 'z', '--after', 'y', '--', 'true');
			await d.until(x, 'failed');
			assert.match((await d.task(z)).reason, /x.*failed/);
		} finally {
			await d.down();
		}
	});
});

/** The state letter of /proc/<pid>/stat (R, S, T, Z…), or null when gone. */
function procState(pid: number): string | null {
	try {
		return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
	} catch {
		return null;
	}
}

/** Children of `pid` whose command line is exactly `argv`. */
function childrenRunning(pid: number, argv: string[]): number[] {
	const found: number[] = [];
	for (const entry of readdirSync('/proc').filter(e => /^\d+$/.test(e))) {
		try {
			const ppid = /^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
			if (Number(ppid) === pid && cmdline.join(' ') === argv.join(' ')) {
				found.push(Number(entry));
			}
		} catch {
			// gone while reading
		}
	}

	return found;
}

/**
 * Polls `probe` until its value has stayed the same for `quietMs` (a counter that stopped); fails
 * after `timeout`. An observation window, not a wait for a fact: the counter moves every 50 ms.
 */
async function steady(probe: () => Promise<number>, quietMs: number, timeout = 10_000): Promise<number> {
	const deadline = Date.now() + timeout;
	let value = await probe();
	let since = Date.now();
	while (Date.now() - since < quietMs) {
		if (Date.now() > deadline) {
			throw new Error(`still changing after ${timeout} ms; last ${value}`);
		}

		await delay(20);
		const next = await probe();
		if (next !== value) {
			value = next;
			since = Date.now();
		}
	}

	return value;
}

describe('pause, resume, cancel and retry', () => {
	it('a retried job runs as its next attempt: TM_ATTEMPT=2, attempt and restarts counted', async () => {
		const d = await daemon();
		try {
			const id = await d.submit('--', 'sh', '-c', 'echo "attempt $TM_ATTEMPT"; exit 1');
			await d.until(id, 'failed');
			assert.equal((await d.cli('retry', id)).code, 0);
			await waitFor(async () => (await d.cli('logs', id)).out, out => out.split('\n').length > 2, {what: 'the second run'});
			await d.until(id, 'failed');
			assert.equal((await d.cli('logs', id)).out, 'attempt 1\nattempt 2\n');
			const task = await d.task(id);
			assert.equal(task.attempt, 2);
			assert.equal(task.restarts, 1);
		} finally {
			await d.down();
		}
	});

	it('pause freezes the whole run (its cgroup\'s freezer, else SIGSTOP to the group) and output stops; resume continues it; cancel stops it', async () => {
		const d = await daemon();
		const id = await d.submit('--name', 'counter', '--', 'sh', '-c', 'sleep 1000 & i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done');
		const lastLine = async () => Number((await d.cli('logs', id, '-n', '1')).out.trim() || 0);
		await waitFor(lastLine, n => n >= 3, {what: 'the counter to count', timeout: 20_000});
		const {pid} = await d.task(id);
		assert.ok(pid !== null);
		const [child] = await waitFor(() => childrenRunning(pid, ['sleep', '1000']), c => c.length === 1, {what: 'the background sleep'});
		assert.ok(child !== undefined);

		const pause = await d.cli('pause', id, '--json');
		assert.equal(pause.code, 0, pause.err);
		assert.deepEqual((JSON.parse(pause.out) as TaskActionResults).results, [{name: id, ok: true, outcome: 'done', state: 'paused'}]);
		const paused = (of: number): boolean => procState(of) === 'T' || freezerHolds(of);
		await waitFor(() => [paused(pid), paused(child)], both => both.every(Boolean), {what: 'the shell and its child frozen or stopped'});
		const frozen = await steady(lastLine, 500);
		assert.equal((await d.task(id)).state, 'paused');
		assert.equal(await lastLine(), frozen, 'no output while paused');

		const again = await d.cli('pause', id);
		assert.equal(again.code, 1);
		assert.match(again.out, /paused \(.*only a running task can be paused\)/);

		const resume = await d.cli('resume', id);
		assert.equal(resume.code, 0, resume.err);
		assert.equal(resume.out, `${id}: running\n`);
		await waitFor(lastLine, n => n > frozen + 2, {what: 'the counter to go on'});
		assert.ok(!paused(pid) && !paused(child), 'neither frozen nor stopped');

		const cancel = await d.cli('cancel', id);
		assert.equal(cancel.code, 0, cancel.err);
		assert.equal(cancel.out, `${id}: stopped\n`);
		await waitFor(() => [alive(pid), alive(child)], a => !a[0] && !a[1], {what: 'the group gone'});
		await d.down();
	});

	it('cancels a queued and a running job, retries a failed one, and refuses what does not apply', async () => {
		const d = await daemon('taskmaster:\n  max_running: 1\nprograms: {}\n');
		const running = await d.submit('--priority', '10', '--', 'sleep', '1000');
		const {pid} = await d.until(running, 'running');
		const queued = await d.submit('--', 'true');
		assert.equal((await d.task(queued)).state, 'queued');

		const cancelQueued = await d.cli('cancel', queued, '--json');
		assert.equal(cancelQueued.code, 0, cancelQueued.err);
		assert.deepEqual((JSON.parse(cancelQueued.out) as TaskActionResults).results, [{name: queued, ok: true, outcome: 'done', state: 'stopped'}]);
		const notPaused = await d.cli('pause', queued, '--json');
		assert.equal(notPaused.code, 1);
		assert.equal((JSON.parse(notPaused.out) as TaskActionResults).results[0]?.ok, false);

		const cancelRunning = await d.cli('cancel', running, '--json');
		assert.equal(cancelRunning.code, 0, cancelRunning.err);
		assert.deepEqual((JSON.parse(cancelRunning.out) as TaskActionResults).results, [{name: running, ok: true, outcome: 'done', state: 'stopped'}]);
		assert.ok(pid !== null && !alive(pid), 'the cancelled job is gone when cancel returns');
		const twice = await d.cli('cancel', running);
		assert.equal(twice.code, 1);
		assert.match(twice.out, /already finished \(stopped\)/);

		const runs = path.join(d.dir, 'runs');
		const flaky = await d.submit('--', 'sh', '-c', `echo run >> ${runs}; exit 1`);
		const failed = await d.until(flaky, 'failed');
		assert.equal(failed.attempt, 1);
		const retry = await d.cli('retry', flaky, '--json');
		assert.equal(retry.code, 0, retry.err);
		assert.equal((JSON.parse(retry.out) as TaskActionResults).results[0]?.ok, true);
		await waitFor(() => lines(runs), r => r.length === 2, {what: 'the retried job to run again', timeout: 20_000});
		await d.until(flaky, 'failed', 'the retried job to fail again');
		const table = await d.cli('tasks', '--state', 'failed');
		assert.match(table.out, new RegExp(`${flaky} +${flaky} +failed +exit +- +0 +\\d+ +- +exit 1`));

		const notFailed = await d.cli('retry', queued);
		assert.equal(notFailed.code, 1);
		assert.match(notFailed.out, /only failed tasks can be retried/);
		for (const verb of ['cancel', 'retry', 'pause', 'resume']) {
			const unknown = await d.cli(verb, 'j-nope', '--json');
			assert.equal(unknown.code, 4, `${verb}: ${unknown.err}`);
			assert.equal((JSON.parse(unknown.err) as {error: {code: string}}).error.code, 'E_UNKNOWN_TASK');
		}

		await d.down();
	});
});

describe('accepted means saved', () => {
	it('every job whose run was answered is there after a kill -9 of the daemon, 200 sent at once', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'taskmaster:\n  max_running: 1\nprograms: {}\n');
		const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
		const first = runTm(['up', '--foreground'], {cwd: dir});
		const client = await waitFor(
			() => RpcClient.connect(path.join(home, 'tm.sock')).catch(() => null),
			connected => connected !== null,
			{what: 'the daemon to answer', timeout: 20_000},
		);
		// Sent together, they share transactions; each answer still comes only once its job is written.
		// A marker in each job's argv: a job started but not yet written when the daemon is killed is
		// an orphan no daemon knows of; the test still finds and kills it.
		const marker = `saved-${process.pid}`;
		after(() => killPids(pidsWithArg(marker)));
		const ids = await Promise.all(
			Array.from({length: 200}, async () => (await client?.call('run', {argv: ['sh', '-c', 'sleep 1000', marker]}))?.id),
		);
		process.kill(first.pid, 'SIGKILL');
		client?.close();
		await first.exited;

		const second = runTm(['up', '--foreground'], {cwd: dir});
		const listed = await waitFor(
			async () => {
				const result = await cli('tasks', '--json');
				return result.code === 0 ? (JSON.parse(result.out) as {tasks: TaskStatus[]}).tasks : [];
			},
			tasks => tasks.length > 0,
			{what: 'the restarted daemon to list the jobs', timeout: 20_000},
		);
		listed.forEach(t => t.pid !== null && seen.add(t.pid));
		assert.deepEqual(listed.map(t => t.id).sort(), [...ids].sort());
		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		assert.equal(await second.exited, 0);
	});
});
