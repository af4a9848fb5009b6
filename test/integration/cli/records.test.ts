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
	it('every job document has createdAt, startedAt, endedAt, cmd, cwd, limits, attempt and its label, kept across a restart', async () => {
		const d = daemon();
		await d.up();
		const work = path.join(d.dir, 'work');
		mkdirSync(work);
		const before = Date.now();
		const label = '<b>nightly</b> copy of /srv';
		const id = await d.submit('--label', label, '--cwd', 'work', '--max-runtime', '1m', '--max-memory', '64M', '--max-cpu', '0.5', '--watchdog', '30s', '--', 'sh', '-c', 'sleep 0.5; exit 3');
		const done = await d.until(id, task => task.state === 'failed', `${id} failed`);
		assertSchema('tasks', {tasks: [done]});
		assert.equal(done.label, label);
		const table = await d.cli('status');
		assert.match(table.out, new RegExp(`^${id} +failed .* <b>nightly</b> copy of /srv — exit 3`, 'm'), table.out);
		assert.equal(done.cmd, 'sh -c sleep 0.5; exit 3');
		assert.equal(done.cwd, work);
		assert.equal(done.attempt, 1);
		assert.deepEqual(done.limits, {maxRuntimeMs: 60_000, maxMemory: 64 * 1024 * 1024, maxCpu: 0.5, watchdogMs: 30_000, stuck: null});
		const [created, started, ended] = [done.createdAt, done.startedAt, done.endedAt].map(at => Date.parse(at ?? ''));
		assert.ok(created! >= before - 1000 && created! <= started!, `created ${done.createdAt} before started ${done.startedAt}`);
		assert.ok(ended! - started! >= 400, `the run lasted its 0.5 s: ${done.startedAt} → ${done.endedAt}`);
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
			[again.createdAt, again.startedAt, again.endedAt, again.cmd, again.cwd, again.label],
			[done.createdAt, done.startedAt, done.endedAt, done.cmd, done.cwd, label],
			'the record survives the daemon',
		);
		const status2 = parseDocument((await d.cli('status', '--json')).out);
		assertSchema('status', status2);
		await d.down();
	});
});

const twoWebs = 'taskmaster:\n  sample_interval: 200ms\nprograms:\n  web:\n    cmd: sleep 1000\n    numprocs: 2\n    starttime: 0\n';

describe('tm show, and names that mean several tasks', () => {
	it('shows all of one task: spec, state, cause, last exit, limits, log files', async () => {
		const d = daemon(twoWebs);
		await d.up();
		const id = await d.submit('--name', 'backup', '--max-runtime', '5m', '--', 'sh', '-c', 'echo hi; exit 0');
		await d.until(id, task => task.state === 'completed', `${id} completed`);

		const shown = await d.cli('show', 'backup', '--json');
		assert.equal(shown.code, 0, shown.err);
		const detail = parseDocument(shown.out) as Record<string, unknown>;
		assertSchema('show', detail);
		assert.equal(detail['id'], id);
		assert.equal(detail['cause'], 'exit');
		assert.deepEqual(detail['lastExit'] && (detail['lastExit'] as {code: number}).code, 0);
		assert.equal((detail['logs'] as {stdout: string}).stdout, path.join(d.home, 'logs', `${id}.out.log`));
		const text = await d.cli('show', id);
		assert.equal(text.code, 0, text.err);
		for (const field of [/^task +j-[0-9a-f]{8} \(backup\), a job$/m, /^state +completed: exit 0$/m, /^cause +exit$/m, /^limits +max runtime 5m, max memory -, max cpu -, watchdog -, stuck -$/m, /^last exit +exit 0 at /m, /^stdout +\/.*\.out\.log$/m]) {
			assert.match(text.out, field);
		}

		assert.equal((await d.cli('show', 'nope', '--json')).code, 4);
		await d.down();
	});

	it('a name that means several tasks is said so; the same --name again becomes name#2', async () => {
		const d = daemon(twoWebs);
		await d.up();
		await d.until('web:1', task => task.state === 'running', 'web:1 running');
		// Which ones, and exit 2, for every command that takes one task.
		for (const args of [['logs', 'web'], ['history', 'web'], ['show', 'web']]) {
			const result = await d.cli(...args, '--json');
			assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
			assert.match(result.err, /"code":"E_USAGE".*web means 2 tasks \(web:0, web:1\)/, args.join(' '));
		}

		const id = await d.submit('--name', 'backup', '--', 'true');
		await d.until(id, task => task.state === 'completed', `${id} completed`);
		// The same --name again, or a program's name: made unambiguous, and said so.
		const again = await d.cli('run', '--name', 'backup', '--', 'true');
		assert.equal(again.code, 0, again.err);
		assert.match(again.out, /^j-[0-9a-f]{8}\n$/, 'stdout is the id alone');
		assert.equal(again.err, 'tm: a task already goes by backup; this job is backup#2\n');
		const web = parseDocument((await d.cli('run', '--name', 'web', '--json', '--', 'true')).out) as {id: string; name: string};
		assertSchema('run', web);
		assert.equal(web.name, 'web#2');
		await d.until(web.id, task => task.state === 'completed', 'web#2 completed');
		const byName = await d.cli('show', 'backup#2', '--json');
		assert.equal((parseDocument(byName.out) as {id: string}).id, again.out.trim(), 'backup#2 means the second job alone');
		assert.equal((parseDocument((await d.cli('show', 'backup', '--json')).out) as {id: string}).id, id, 'backup still means the first alone');
		await d.down();
	});
});

type StoredEvent = {id: number; taskId: string | null; name: string | null; at: number; type: string; data: {from?: string; to?: string; cause?: string; seq?: number}};
type Line = {seq: number | null; taskId: string; name: string; from: string; to: string; cause: string};

describe('the audit trail and the listeners', () => {
	it('tm history --all lists every task\'s events, by --since and --cause, with the daemon up or down', async () => {
		const d = daemon();
		await d.up();
		const slow = await d.submit('--name', 'slow', '--max-runtime', '300ms', '--', 'sleep', '30');
		const quick = await d.submit('--', 'true');
		await d.until(slow, task => task.state === 'failed', 'slow failed by max_runtime');
		await d.until(quick, task => task.state === 'completed', 'quick completed');

		const all = await d.cli('history', '--all', '--json');
		assert.equal(all.code, 0, all.err);
		const doc = parseDocument(all.out) as {events: StoredEvent[]};
		assertSchema('history-all', doc);
		assert.deepEqual(new Set(doc.events.map(e => e.taskId)), new Set([slow, quick]), 'both tasks');
		assert.ok(doc.events.every((e, i) => i === 0 || e.id < doc.events[i - 1]!.id), 'newest first');
		assert.ok(doc.events.filter(e => e.taskId === slow).every(e => e.name === 'slow'), "each with its task's name");

		const timeouts = parseDocument((await d.cli('history', '--all', '--cause', 'max_runtime', '--json')).out) as {events: StoredEvent[]};
		assert.ok(timeouts.events.length > 0);
		assert.ok(timeouts.events.every(e => e.taskId === slow && e.data.cause === 'max_runtime'), JSON.stringify(timeouts.events));
		const table = await d.cli('history', '--all', '--cause', 'max_runtime');
		assert.match(table.out, /^time +task +type +change +cause +reason$/m);
		assert.match(table.out, new RegExp(`slow \\(${slow}\\) +state +running -> stopping +max_runtime`));
		const future = new Date(Date.now() + 3_600_000).toISOString();
		assert.deepEqual((parseDocument((await d.cli('history', '--all', '--since', future, '--json')).out) as {events: unknown[]}).events, []);
		assert.equal((parseDocument((await d.cli('history', '--all', '--since', '1h', '--json')).out) as {events: unknown[]}).events.length, doc.events.length);

		const typo = await d.cli('history', '--all', '--cause', 'watchdgo');
		assert.equal(typo.code, 2);
		assert.match(typo.err, /no cause "watchdgo"; did you mean "watchdog"\?/);
		assert.equal((await d.cli('history', '--all', '--since', 'lately')).code, 2);
		assert.equal((await d.cli('history')).code, 2, 'a name or --all');
		const oneTask = parseDocument((await d.cli('history', slow, '--cause', 'max_runtime', '--json')).out) as {events: StoredEvent[]};
		assert.deepEqual(oneTask.events.map(e => e.id), timeouts.events.map(e => e.id), 'a filter on one task too');

		await d.down();
		const offline = await d.cli('history', '--all', '--json');
		assert.equal(offline.code, 0, offline.err);
		assert.deepEqual((parseDocument(offline.out) as {events: StoredEvent[]}).events.map(e => e.id), doc.events.map(e => e.id), 'the same with the daemon down');
	});

	it('tm events prints past changes, and -f follows them as JSON lines, each once, for the tasks named', async () => {
		const d = daemon(twoWebs);
		await d.up();
		const first = await d.submit('--name', 'first', '--', 'true');
		await d.until(first, task => task.state === 'completed', 'first completed');

		const past = await d.cli('events', 'first');
		assert.equal(past.code, 0, past.err);
		assert.match(past.out, new RegExp(`^\\S+ \\S+  first \\(${first}\\)  running -> completed  exit  exit 0$`, 'm'));
		assert.equal((await d.cli('events', 'ghost')).code, 4);
		assert.equal((await d.cli('events', '-n', 'x')).code, 2);

		// Through the real executable: the backlog, then what happens while it listens.
		const listener = runTm(['events', '-f', '--json', '-n', '100', '--home', d.home, 'first', 'second', 'web:1'], {cwd: d.dir});
		groups.add(listener.pid);
		const lines = (): Line[] => listener.stdout().split('\n').filter(Boolean).map(line => JSON.parse(line) as Line);
		await waitFor(lines, got => got.some(line => line.taskId === first && line.to === 'completed'), {what: 'the backlog'});
		await waitFor(listener.stderr, text => text !== '', {what: 'a word on the name still to come'});
		assert.equal(listener.stderr(), 'tm: no task goes by second yet; waiting for it\n');
		const second = await d.submit('--name', 'second', '--', 'sh', '-c', 'exit 4');
		assert.equal((await d.cli('restart', 'web:1')).code, 0);
		assert.equal((await d.cli('restart', 'web:0')).code, 0);
		await waitFor(lines, got => got.some(line => line.taskId === second && line.to === 'failed') && got.some(line => line.taskId === 'web:1' && line.to === 'running' && line.cause !== 'config'), {
			what: 'second failed and web:1 running again',
		});
		const got = lines();
		for (const line of got) {
			assertSchema('events-line', line);
		}

		assert.ok(got.every(line => [first, second, 'web:1'].includes(line.taskId)), 'only the tasks named');
		const seqs = got.map(line => line.seq).filter((seq): seq is number => seq !== null);
		assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'every change once, in order');
		assert.deepEqual(
			got.filter(line => line.taskId === second).map(line => line.to),
			['queued', 'starting', 'running', 'failed'].filter(to => got.some(line => line.taskId === second && line.to === to)),
		);
		assert.ok(got.some(line => line.taskId === second && line.to === 'failed' && line.name === 'second'));
		listener.child.kill('SIGINT');
		assert.equal(await listener.exited, 0);
		await d.down();
	});
});

describe('jobs take a program\'s stop signal, stop timeout, stuck and user', () => {
	it('--stop-signal, --stop-timeout, --stuck and --user act as the program keys do', async () => {
		const d = daemon('taskmaster:\n  sample_interval: 200ms\nprograms: {}\n');
		await d.up();
		const trapping = await d.submit('--stop-signal', 'INT', '--stop-timeout', '20s', '--', 'sh', '-c', 'trap "echo got-int; exit 0" INT; echo up; while true; do sleep 0.1; done');
		await waitFor(async () => (await d.cli('logs', trapping)).out, out => out.includes('up'), {what: 'the trapping job up'});
		assert.equal((await d.cli('cancel', trapping)).code, 0);
		await d.until(trapping, task => task.state === 'stopped', 'stopped by its INT');
		assert.match((await d.cli('logs', trapping)).out, /got-int/, 'it got SIGINT, not SIGTERM');

		const deaf = await d.submit('--stop-timeout', '300ms', '--', 'sh', '-c', 'trap "" TERM; echo up; while true; do sleep 0.1; done');
		await waitFor(async () => (await d.cli('logs', deaf)).out, out => out.includes('up'), {what: 'the deaf job up'});
		const asked = Date.now();
		assert.equal((await d.cli('cancel', deaf)).code, 0);
		const killed = await d.until(deaf, task => task.state === 'stopped', 'killed after its stop timeout');
		assert.equal(killed.lastExit?.signal, 'SIGKILL');
		assert.ok(Date.now() - asked < 8000, `SIGKILL after 300ms, not the default 10s (${Date.now() - asked} ms)`);

		const idle = await d.submit('--stuck', '1%:1s', '--', 'sleep', '60');
		const stuck = await d.until(idle, task => task.state === 'failed', 'stopped as stuck');
		assert.equal(stuck.cause, 'stuck');
		assert.deepEqual(stuck.limits.stuck, {cpuBelowPercent: 1, forMs: 1000});

		const who = await d.cli('run', '--user', 'nobody', '--cwd', '/', '--wait', '--', 'id', '-u');
		assert.equal(who.code, 0, who.err);
		assert.match(who.out, /^65534$/m, 'it ran as nobody');
		const shown = await d.cli('show', trapping);
		assert.match(shown.out, /^stop +SIGINT, SIGKILL after 20s$/m);

		for (const [args, message] of [
			[['--user', 'no-such-user'], /--user: user "no-such-user" does not exist/],
			[['--stop-signal', 'NOPE'], /--stop-signal: expected a signal name/],
			[['--stop-timeout', 'soon'], /--stop-timeout: expected a duration/],
			[['--stuck', '1%'], /--stuck takes CPU%:DURATION, got "1%"/],
			[['--stuck', 'lots:1m'], /--stuck: expected a percentage/],
		] as const) {
			const refused = await d.cli('run', ...args, '--', 'true');
			assert.equal(refused.code, 2, `${args.join(' ')}: ${refused.err}`);
			assert.match(refused.err, message);
		}

		await d.down();
	});
});
