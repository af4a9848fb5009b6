/**
 * Delays and the dead letter by hand (issue 18, item 5) through the real CLI and a real daemon
 * (`tm up --foreground`) in a temp home: `tm run --delay/--at`, `tm retry --delay` and `tm fail`,
 * with each job's run checked against its eligible time in the store's history, and across a
 * kill -9 of the daemon.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

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

type Run = {attempt: number; startedAt: number; endedAt: number | null};
type Event = {at: number; data: {to?: string; cause?: string; reason?: string}};

function home(dir: string, config = 'programs: {}\n') {
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	const cli = (...args: string[]) => tm(['--home', path.join(dir, 'home'), ...args], {cwd: dir, env: {HOME: dir}});
	const task = async (id: string): Promise<TaskStatus | undefined> => {
		const result = await cli('tasks', '--json');
		const list = result.code === 0 ? (JSON.parse(result.out) as {tasks: TaskStatus[]}).tasks : [];
		list.forEach(t => t.pid !== null && seen.add(t.pid));
		return list.find(t => t.id === id);
	};

	return {
		cli,
		task,
		/** Starts a daemon and waits until it answers. */
		async up(): Promise<TmProcess> {
			const daemon = runTm(['up', '--foreground'], {cwd: dir});
			await waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
			return daemon;
		},
		until: async (id: string, accept: (t: TaskStatus | undefined) => boolean, what: string, timeout = 20_000) => waitFor(() => task(id), accept, {what, timeout}),
		async submit(...args: string[]): Promise<string> {
			const result = await cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			return result.out.trim();
		},
		/** The job's runs and events from the store, oldest first. */
		async history(id: string): Promise<{runs: Run[]; events: Event[]}> {
			const result = await cli('history', id, '--json');
			assert.equal(result.code, 0, result.err);
			const doc = JSON.parse(result.out) as {runs: Run[]; events: Event[]};
			return {runs: doc.runs.reverse(), events: doc.events.reverse()};
		},
	};
}

type Home = ReturnType<typeof home>;

/** Submits a delayed job and checks it waits, with its eligible time in its document. */
async function delayed(h: Home, args: string[]): Promise<{id: string; eligibleAt: number}> {
	const id = await h.submit(...args);
	const doc = await h.task(id);
	assert.equal(doc?.state, 'queued', 'queued, not started');
	assert.equal(doc.cause, 'submitted');
	assert.ok(doc.eligibleAt !== null, 'its eligible time is in its document');
	assert.equal(doc.startedAt, null);
	return {id, eligibleAt: Date.parse(doc.eligibleAt)};
}

/** The job ran once, not before its eligible time, after the delay was over. */
async function ranAfter(h: Home, id: string, eligibleAt: number, attempt = 1): Promise<void> {
	const {runs, events} = await h.history(id);
	const run = runs.find(r => r.attempt === attempt);
	assert.ok(run, `run ${attempt} is in the history`);
	assert.ok(run.startedAt >= eligibleAt, `started at ${new Date(run.startedAt).toISOString()}, eligible at ${new Date(eligibleAt).toISOString()}`);
	const over = events.filter(e => e.data.cause === 'delay_over');
	assert.ok(over.length > 0 && over.every(e => e.at >= eligibleAt), 'the delay ended at its time');
}

describe('tm run --delay / --at', () => {
	it('--delay: queued with its eligible time, started only after it', async () => {
		const dir = tempDir();
		const h = home(dir);
		await h.up();
		const before = Date.now();
		const {id, eligibleAt} = await delayed(h, ['--delay', '2s', '--', 'true']);
		assert.ok(eligibleAt >= before + 2000 && eligibleAt <= Date.now() + 2000, 'two seconds after it was submitted');
		const table = await h.cli('tasks');
		assert.match(table.out, new RegExp(`${id} .* queued +submitted .* delayed until \\d\\d:\\d\\d:\\d\\d \\(in \\d+s\\)`), 'tm tasks says until when');
		const show = await h.cli('show', id);
		assert.match(show.out, /^eligible +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \(in \d/m);
		await h.until(id, t => t?.state === 'completed', `${id} completed`);
		await ranAfter(h, id, eligibleAt);
		assert.equal((await h.task(id))?.eligibleAt, null, 'no eligible time once it may start');
		assert.equal((await h.cli('down')).code, 0);
	});

	it('--at a local time: queued until then; a past or malformed time is refused naming the flag', async () => {
		const dir = tempDir();
		const h = home(dir);
		await h.up();
		const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
		const pad = (n: number) => String(n).padStart(2, '0');
		const local = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
		const {id, eligibleAt} = await delayed(h, ['--at', local, '--', 'true']);
		assert.equal(eligibleAt, at.getTime(), 'the local time given');
		await h.until(id, t => t?.state === 'completed', `${id} completed`);
		await ranAfter(h, id, eligibleAt);

		const past = await h.cli('run', '--at', '2020-01-01T03:00', '--', 'true');
		assert.equal(past.code, 2);
		assert.match(past.err, /--at: 2020-01-01T03:00 is in the past/);
		const bad = await h.cli('run', '--at', 'tomorrow', '--', 'true');
		assert.equal(bad.code, 2);
		assert.match(bad.err, /--at: expected a date and time as YYYY-MM-DDTHH:MM/);
		assert.equal((await h.cli('down')).code, 0);
	});

	it('a delayed job keeps its time across tm down and a kill -9 of the daemon, and runs after it: not earlier, not lost', async () => {
		const dir = tempDir();
		const h = home(dir);
		const stopped = await h.up();
		const {id, eligibleAt} = await delayed(h, ['--delay', '12s', '--', 'true']);
		assert.equal((await h.cli('down')).code, 0);
		assert.equal(await stopped.exited, 0);

		const first = await h.up();
		// On a machine so slow that the restarts outlast the delay, only the run's start time below can tell.
		const kept = await h.task(id);
		if (Date.now() < eligibleAt - 500) {
			assert.deepEqual([kept?.state, kept?.eligibleAt], ['queued', new Date(eligibleAt).toISOString()], 'a graceful stop keeps the time too');
		}

		process.kill(first.pid, 'SIGKILL');
		await first.exited;
		assert.ok(!alive(first.pid));

		await h.up();
		const back = await h.task(id);
		if (Date.now() < eligibleAt - 500) {
			assert.equal(back?.state, 'queued', 'still waiting after the restart');
			assert.equal(back.eligibleAt === null ? null : Date.parse(back.eligibleAt), eligibleAt, 'with the same time');
		}

		await h.until(id, t => t?.state === 'completed', `${id} completed`, 30_000);
		await ranAfter(h, id, eligibleAt);
		assert.equal((await h.history(id)).runs.length, 1, 'ran once');
		assert.equal((await h.cli('down')).code, 0);
	});
});

describe('tm retry --delay', () => {
	it('puts a failed job back, eligible later, and it runs then', async () => {
		const dir = tempDir();
		const h = home(dir);
		await h.up();
		const id = await h.submit('--', 'sh', '-c', 'exit 3');
		await h.until(id, t => t?.state === 'failed', `${id} failed`);
		const retried = await h.cli('retry', id, '--delay', '2s');
		assert.equal(retried.code, 0, retried.err);
		assert.equal(retried.out, `${id}: queued\n`);
		const doc = await h.task(id);
		assert.equal(doc?.state, 'queued');
		assert.equal(doc.cause, 'requested');
		assert.ok(doc.eligibleAt !== null);
		const eligibleAt = Date.parse(doc.eligibleAt);
		await h.until(id, t => t?.state === 'failed' && t.attempt === 2, `${id} failed again, as attempt 2`);
		await ranAfter(h, id, eligibleAt, 2);

		const both = await h.cli('retry', id, '--delay', '1s', '--at', '2030-01-01T00:00');
		assert.equal(both.code, 2);
		assert.match(both.err, /--delay and --at/);
		assert.equal((await h.cli('down')).code, 0);
	});
});

describe('tm fail', () => {
	it('moves queued and running jobs to failed (cause dead_letter, the reason in history), refuses programs, and tm retry brings one back', async () => {
		const dir = tempDir();
		const h = home(dir, 'programs:\n  web:\n    cmd: "sleep 1000"\n    starttime: 0\n');
		await h.up();
		await h.until('web', t => t?.state === 'running', 'web running');

		// Queued (for its time): failed at once.
		const waiting = await h.submit('--delay', '1h', '--', 'true');
		const failed = await h.cli('fail', waiting, '--reason', 'poison message');
		assert.equal(failed.code, 0, failed.err);
		assert.equal(failed.out, `${waiting}: failed\n`);
		const doc = await h.task(waiting);
		assert.deepEqual([doc?.state, doc?.cause, doc?.reason, doc?.eligibleAt], ['failed', 'dead_letter', 'failed by hand: poison message', null]);
		const {events} = await h.history(waiting);
		assert.ok(events.some(e => e.data.to === 'failed' && e.data.cause === 'dead_letter' && e.data.reason === 'failed by hand: poison message'), 'the reason is in its history');

		// Running, and deaf to its stop signal: stopped (SIGKILL after its stop timeout), then failed.
		const deaf = await h.submit('--stop-timeout', '1s', '--', 'sh', '-c', 'trap "" TERM; echo up; sleep 1000');
		const running = await h.until(deaf, t => t?.state === 'running', `${deaf} running`);
		// Running is not yet trapping: its `up` comes after the trap.
		await waitFor(async () => (await h.cli('logs', deaf)).out, out => out.includes('up'), {what: `${deaf} trapping TERM`, timeout: 20_000});
		const stopped = await h.cli('fail', deaf, '--json');
		assert.equal(stopped.code, 0, stopped.err);
		assert.deepEqual(JSON.parse(stopped.out), {results: [{name: deaf, ok: true, outcome: 'done', state: 'failed'}]});
		const after = await h.task(deaf);
		assert.deepEqual([after?.state, after?.cause, after?.lastExit?.signal], ['failed', 'dead_letter', 'SIGKILL']);
		assert.equal(after?.reason, 'failed by hand; SIGKILL after 1s');
		assert.ok(running?.pid && !alive(running.pid), 'its process is gone');

		// Programs are refused; so is a job already finished.
		const program = await h.cli('fail', 'web');
		assert.equal(program.code, 1);
		assert.match(program.out, /^web: running \(web is a program; tm fail is for jobs \(tm stop stops a program\)\)\n$/);
		assert.equal((await h.task('web'))?.state, 'running');
		const again = await h.cli('fail', waiting);
		assert.equal(again.code, 1);
		assert.match(again.out, /has already finished \(failed\)/);
		assert.equal((await h.cli('fail', 'j-nothere')).code, 4);

		// Back from the dead letter: the delay it had is gone, it runs now.
		const retried = await h.cli('retry', waiting);
		assert.equal(retried.code, 0, retried.err);
		await h.until(waiting, t => t?.state === 'completed', `${waiting} completed after tm retry`);
		assert.equal((await h.cli('down')).code, 0);
	});
});
