/**
 * The supervision engine with real child processes: restarts, backoff on a manual clock,
 * process groups, stop escalation, umask, env and workingdir, and faults that stay contained.
 */
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {ManualClock} from '../../src/core/clock.js';
import type {TaskState} from '../../src/core/model.js';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {alive, waitFor} from '../helpers/wait.js';

const open: Harness[] = [];
function track(h: Harness): Harness {
	open.push(h);
	return h;
}

after(async () => {
	await Promise.all(open.map(h => h.cleanup()));
});

const sh = (cmd: string, more: Parameters<typeof makeSpec>[0] = {}) =>
	makeSpec({cmd, argv: ['/bin/sh', '-c', cmd], starttimeMs: 0, ...more});

describe('supervision with real processes', () => {
	it('restarts a crashing task on the backoff schedule (manual clock)', async () => {
		const clock = new ManualClock();
		const h = track(
			harness([sh('exit 3', {backoff: {initialMs: 1000, factor: 2, maxMs: 3000, jitter: 0, resetAfterMs: 60_000}})], {clock}),
		);
		h.task().dispatch({type: 'start'});
		const delays: number[] = [];
		for (let i = 1; i <= 4; i++) {
			await h.waitState('web', 'backoff');
			const state = h.task().record.state as Extract<TaskState, {kind: 'backoff'}>;
			assert.match(state.reason, /exit 3; restart in/);
			delays.push(state.until - clock.now());
			assert.equal(h.task().record.attempt, i);
			clock.advance(state.until - clock.now());
			await waitFor(() => h.task().record.attempt, a => a === i + 1, {what: `attempt ${i + 1}`});
		}

		assert.deepEqual(delays, [1000, 2000, 3000, 3000]);
		assert.equal(h.task().record.restarts, 4);
	});

	it('a task that cannot stay up for starttime goes fatal after startretries', async () => {
		const clock = new ManualClock();
		const h = track(harness([sh('exit 0', {starttimeMs: 5000, startretries: 2})], {clock}));
		h.task().dispatch({type: 'start'});
		for (let i = 0; i < 2; i++) {
			await h.waitState('web', 'backoff');
			const state = h.task().record.state as Extract<TaskState, {kind: 'backoff'}>;
			clock.advance(state.until - clock.now());
		}

		const task = await h.waitState('web', 'fatal');
		assert.match(task.record.state.reason, /exit 0 before starttime; gave up after 3 tries/);
		assert.equal(task.record.attempt, 3);
	});

	for (const [autorestart, cmd, expected] of [
		['unexpected', 'exit 2', 'completed'],
		['unexpected', 'exit 3', 'backoff'],
		['always', 'exit 0', 'backoff'],
		['never', 'exit 3', 'failed'],
	] as const) {
		it(`autorestart ${autorestart} with exitcodes [0, 2]: ${cmd} → ${expected}`, async () => {
			const h = track(harness([sh(cmd, {autorestart, exitcodes: [0, 2]})], {clock: new ManualClock()}));
			h.task().dispatch({type: 'start'});
			await h.waitState('web', expected);
		});
	}

	it('escalates to SIGKILL when the child ignores the stop signal', async () => {
		const h = track(harness([sh(`trap '' TERM; echo up; while :; do sleep 1; done`, {stoptimeMs: 300})]));
		const task = h.task();
		task.dispatch({type: 'start'});
		await waitFor(() => task.log.tail(10).map(l => l.text), lines => lines.includes('up'), {what: 'the child to be up'});
		const pid = task.pid;
		assert.ok(pid);
		task.dispatch({type: 'stop'});
		await h.waitState('web', 'stopped');
		assert.match(task.record.state.reason, /SIGKILL after 300ms/);
		const last = (task.record.state as Extract<TaskState, {kind: 'stopped'}>).lastExit;
		assert.equal(last?.signal, 'SIGKILL');
		await waitFor(() => alive(pid), a => !a, {what: `pid ${pid} to be gone`});
	});

	it('leaves nothing behind: a background grandchild is gone after stop', async () => {
		const h = track(harness([sh('sleep 1000 & echo $!; wait')]));
		const task = h.task();
		task.dispatch({type: 'start'});
		const lines = await waitFor(() => task.log.tail(5).map(l => l.text), l => l.length > 0, {what: 'the grandchild pid'});
		const grandchild = Number(lines[0]);
		assert.ok(grandchild > 0 && alive(grandchild));
		task.dispatch({type: 'stop'});
		await h.waitState('web', 'stopped');
		await waitFor(() => alive(grandchild), a => !a, {what: `grandchild ${grandchild} to be gone`});
	});

	it('kills what the task left in its group when its main process exits', async () => {
		const h = track(harness([sh('sleep 1000 & echo $!', {autorestart: 'never'})]));
		const task = h.task();
		task.dispatch({type: 'start'});
		await h.waitState('web', 'completed');
		const grandchild = Number(task.log.tail(1)[0]?.text);
		await waitFor(() => alive(grandchild), a => !a, {what: `grandchild ${grandchild} to be gone`});
	});

	for (const [umask, mode] of [
		[0o022, 0o644],
		[0o077, 0o600],
	] as const) {
		it(`umask ${umask.toString(8).padStart(3, '0')} gives a new file mode ${mode.toString(8)}`, async () => {
			const h = track(harness([sh('touch created', {umask, autorestart: 'never'})]));
			h.task().dispatch({type: 'start'});
			await h.waitState('web', 'completed');
			assert.equal(statSync(path.join(h.dir, 'created')).mode & 0o777, mode);
		});
	}

	it('env and workingdir reach the child, with TM_* variables', async () => {
		const h0 = track(harness([]));
		const work = path.join(h0.dir, 'work dir');
		mkdirSync(work);
		const h = track(
			harness([
				sh('echo "$ANSWER|$STARTED_BY|$(pwd)|$TM_TASK_ID|$TM_ATTEMPT|$TM_NOTIFY_FD"', {
					env: {ANSWER: '42', STARTED_BY: 'taskmaster'},
					workingdir: work,
					autorestart: 'never',
				}),
			]),
		);
		h.task().dispatch({type: 'start'});
		await h.waitState('web', 'completed');
		assert.equal(h.task().log.tail(1)[0]?.text, `42|taskmaster|${work}|web|1|3`);
	});

	it('READY=1 on fd 3 gates running', async () => {
		const h = track(
			harness([sh('echo waiting; while [ ! -e go ]; do sleep 0.02; done; echo READY=1 >&3; sleep 1000', {ready: {kind: 'fd'}})]),
		);
		const task = h.task();
		task.dispatch({type: 'start'});
		await waitFor(() => task.log.tail(1)[0]?.text, t => t === 'waiting', {what: 'the child to wait'});
		assert.equal(task.record.state.kind, 'starting');
		writeFileSync(path.join(h.dir, 'go'), '');
		await h.waitState('web', 'running');
		assert.equal(task.record.state.reason, 'ready');
	});

	it('a ready line gates running', async () => {
		const h = track(harness([sh('echo booting; echo "listening on 8080"; sleep 1000', {ready: {kind: 'line', pattern: 'listening on \\d+'}})]));
		h.task().dispatch({type: 'start'});
		const task = await h.waitState('web', 'running');
		assert.equal(task.record.state.reason, 'ready');
	});
});

describe('bad input stays contained in its task', () => {
	it('a missing command, workingdir, user and log path each fail their task with a reason, while another task runs', async () => {
		const h0 = track(harness([]));
		const blocker = path.join(h0.dir, 'a-file');
		writeFileSync(blocker, '');
		const h = track(
			harness([
				makeSpec({id: 'nocmd', argv: ['definitely-not-a-command-tm'], starttimeMs: 0, startretries: 0}),
				makeSpec({id: 'nodir', argv: ['/bin/true'], workingdir: '/nonexistent/tm-dir', starttimeMs: 0, startretries: 0}),
				makeSpec({id: 'nouser', argv: ['/bin/true'], user: 'no-such-user-tm', starttimeMs: 0, startretries: 0}),
				makeSpec({id: 'nolog', argv: ['/bin/true'], stdout: path.join(blocker, 'x.log'), starttimeMs: 0, startretries: 0}),
				makeSpec({id: 'good', argv: ['/bin/sleep', '1000'], starttimeMs: 0}),
			]),
		);
		for (const t of h.engine.list()) {
			t.dispatch({type: 'start'});
		}

		const reasons: Record<string, RegExp> = {
			nocmd: /command not found: definitely-not-a-command-tm/,
			nodir: /workingdir does not exist: \/nonexistent\/tm-dir/,
			nouser: /user "no-such-user-tm" does not exist/,
			nolog: new RegExp(`cannot open log file ${blocker}/x.log`),
		};
		for (const [id, pattern] of Object.entries(reasons)) {
			const task = await h.waitState(id, 'fatal');
			assert.match(task.record.state.reason, pattern);
		}

		// Its start runs on a worker thread: it may still be on its way when the others are fatal.
		await h.waitState('good', 'running');
	});
});

describe('output capture', () => {
	it('keeps every line when a child prints 100,000 lines and exits at once (50 runs)', async () => {
		const h = track(harness([sh('seq 1 100000', {autorestart: 'never', log: {maxSize: 0, backups: 0, timestamps: false}})]));
		const task = h.task();
		const file = path.join(h.dir, 'logs', 'web.out.log');
		const expected = Array.from({length: 100_000}, (_, i) => String(i + 1)).join('\n') + '\n';
		let offset = 0;
		for (let run = 1; run <= 50; run++) {
			task.dispatch({type: 'start'});
			await waitFor(() => task.record.state.kind, k => k === 'completed', {what: `run ${run} to complete`, interval: 2});
			const text = readFileSync(file).subarray(offset).toString('utf8');
			offset += Buffer.byteLength(text);
			assert.ok(text === expected, `run ${run}: ${text.split('\n').length - 1} lines, expected 100000`);
		}
	});

	it('rotates at max_size keeping the configured number of backups', async () => {
		const h = track(
			harness([sh('seq 1 20000', {autorestart: 'never', log: {maxSize: 10_000, backups: 3, timestamps: false}})]),
		);
		h.task().dispatch({type: 'start'});
		await h.waitState('web', 'completed');
		const file = path.join(h.dir, 'logs', 'web.out.log');
		for (const suffix of ['', '.1', '.2', '.3']) {
			assert.ok(statSync(file + suffix).size <= 10_000, `${file}${suffix} too big`);
		}

		assert.throws(() => statSync(`${file}.4`));
		const last = readFileSync(file, 'utf8').trim().split('\n').at(-1);
		assert.equal(last, '20000');
	});
});
