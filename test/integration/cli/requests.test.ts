/**
 * Requests against capacity with a real daemon (issue 18): `tm run --memory/--cpus` and
 * `requires:` admitted against `taskmaster.capacity`, a request over the whole capacity refused,
 * eviction of the fewest lower-priority jobs that make room, and `tm queue` showing the order
 * jobs really start in.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {QueueDoc, TaskDetail, TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {assertSchema, parseDocument} from '../../helpers/schema.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

const G = 1024 ** 3;

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

type StoredEvent = {id: number; taskId: string; data: {from?: string; to?: string; reason?: string}};
type Run = {startedAt: number; endedAt: number | null; pid: number};

async function daemon(config: string) {
	const dir = tempDir('tm-requests-');
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	let proc: TmProcess = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
	const json = async <T>(...args: string[]): Promise<T> => {
		const result = await cli(...args, '--json');
		assert.equal(result.code, 0, `tm ${args.join(' ')}: ${result.err}`);
		return parseDocument(result.out) as T;
	};

	const tasks = async (): Promise<TaskStatus[]> => {
		const list = (await json<{tasks: TaskStatus[]}>('tasks')).tasks;
		list.forEach(t => t.pid !== null && seen.add(t.pid));
		return list;
	};

	const task = async (id: string): Promise<TaskStatus> => {
		const found = (await tasks()).find(t => t.id === id);
		assert.ok(found, `${id} is in tm tasks`);
		return found;
	};

	const answers = async () => waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
	await answers();
	return {
		dir,
		cli,
		json,
		tasks,
		task,
		until: async (id: string, state: string) => waitFor(() => task(id), t => t.state === state, {what: `${id} ${state}`, timeout: 30_000}),
		async submit(...args: string[]): Promise<string> {
			const result = await cli('run', ...args);
			assert.equal(result.code, 0, result.err);
			return result.out.trim();
		},
		runs: async (id: string): Promise<Run[]> => (await json<{runs: Run[]}>('history', id)).runs,
		async down() {
			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			assert.equal(await proc.exited, 0);
		},
		async up() {
			proc = runTm(['up', '--foreground'], {cwd: dir});
			await answers();
		},
	};
}

/** A job that runs until `gate` exists. */
const gated = (gate: string): string[] => ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.02; done`];

describe('requests against the capacity', () => {
	it('two 1G jobs on a 1.5G capacity run one after the other; the requests survive a daemon restart', async () => {
		const d = await daemon('taskmaster:\n  capacity: {memory: 1.5G}\nprograms: {}\n');
		const gate = path.join(d.dir, 'go');
		const first = await d.submit('--name', 'first', '--memory', '1G', '--', ...gated(gate));
		await d.until(first, 'running');
		const second = await d.submit('--name', 'second', '--memory', '1G', '--cpus', '0.5', '--', 'true');
		const waiting = await waitFor(() => d.task(second), t => t.cause === 'capacity', {what: 'second told why it waits'});
		assert.equal(waiting.state, 'queued');
		assert.equal(waiting.reason, 'waiting for 1G memory: 512M of 1.5G unclaimed');
		assert.deepEqual(waiting.requires, {memory: G, cpu: 0.5});
		const status = await d.json<{daemon: {capacity: {memory: number; claimed: {slots: number; memory: number}}}}>('status');
		assert.equal(status.daemon.capacity.memory, 1.5 * G);
		assert.deepEqual([status.daemon.capacity.claimed.slots, status.daemon.capacity.claimed.memory], [1, G]);

		writeFileSync(gate, '');
		await d.until(second, 'completed');
		const [ran] = await d.runs(first);
		const [then] = await d.runs(second);
		assert.ok(ran?.endedAt !== null && ran !== undefined && then !== undefined, 'both ran');
		assert.ok(then.startedAt >= ran.endedAt!, `second started (${then.startedAt}) once first had ended (${ran.endedAt}): they never overlapped`);

		await d.down();
		await d.up();
		const shown = await d.json<TaskDetail>('show', second);
		assert.deepEqual(shown.requires, {memory: G, cpu: 0.5}, 'kept in the job spec across a restart');
		assert.match((await d.cli('show', second)).out, /^requires +memory 1G, CPUs 0\.5$/m);
		await d.down();
	});

	it('refuses at submit a job asking for more than the whole capacity, and tm validate a program that does', async () => {
		const config = 'taskmaster:\n  capacity: {memory: 1.5G, cpu: 2}\nprograms: {}\n';
		const d = await daemon(config);
		const big = await d.cli('run', '--memory', '2G', '--json', '--', 'true');
		assert.equal(big.code, 2, big.err);
		const error = parseDocument(big.err) as {error: {code: string; message: string}};
		assertSchema('error', error);
		assert.equal(error.error.code, 'E_OVER_CAPACITY');
		assert.equal(error.error.message, "run: the job needs 2G memory, more than the whole capacity (1.5G memory), so it could never start; ask for less (--memory, --cpus), or raise taskmaster.capacity (the host's total when not set)");
		const cpus = await d.cli('run', '--cpus', '3', '--', 'true');
		assert.equal(cpus.code, 2);
		assert.match(cpus.err, /needs 3 CPUs, more than the whole capacity \(2 CPUs\)/);
		assert.match((await d.cli('run', '--memory', 'lots', '--', 'true')).err, /--memory: expected a size like 512M/);
		assert.deepEqual(await d.tasks(), [], 'nothing was submitted');
		await d.down();

		writeFileSync(path.join(d.dir, 'big.yaml'), `${config.replace('programs: {}\n', 'programs:\n')}  big:\n    cmd: "true"\n    requires: {memory: 2G}\n`);
		const validate = await d.cli('validate', '-c', 'big.yaml');
		assert.equal(validate.code, 2, validate.out + validate.err);
		assert.match(validate.out + validate.err, /big\.yaml:6:\d+ programs\.big\.requires\.memory: asks for 2G memory, more than the whole capacity \(1\.5G memory\): big could never start; lower it, or raise taskmaster\.capacity\.memory/);
		const up = runTm(['up', '--foreground', '-c', 'big.yaml'], {cwd: d.dir});
		assert.equal(await up.exited, 2, 'tm up refuses it too');
	});

	it('a high-priority job needing memory held by two low-priority jobs evicts the fewest needed: one', async () => {
		const d = await daemon('taskmaster:\n  capacity: {memory: 2G}\nprograms: {}\n');
		const lowA = await d.submit('--name', 'low-a', '--priority', '1', '--memory', '1G', '--', 'sleep', '1000');
		await d.until(lowA, 'running');
		const lowB = await d.submit('--name', 'low-b', '--priority', '1', '--memory', '1G', '--', 'sleep', '1000');
		const before = await Promise.all([lowA, lowB].map(id => d.until(id, 'running')));
		const gate = path.join(d.dir, 'go');
		// 1G is needed and none is unclaimed: one of the two frees it (the newest, as among equal priorities).
		const high = await d.submit('--name', 'high', '--priority', '9', '--memory', '1G', '--', ...gated(gate));
		await d.until(high, 'running');
		const evicted = await waitFor(() => d.task(lowB), t => t.cause === 'capacity', {what: 'low-b queued and told why'});
		assert.equal(evicted.state, 'queued');
		assert.equal(evicted.reason, 'waiting for 1G memory: 0B of 2G unclaimed');
		const history = await d.json<{events: StoredEvent[]}>('history', lowB);
		assert.equal(history.events.find(e => e.data.to === 'stopping')?.data.reason, `evicted by high (${high}, priority 9 > 1)`);
		assert.ok(before[1]!.pid !== null && !alive(before[1]!.pid), 'the evicted run was stopped');
		const kept = await d.task(lowA);
		assert.deepEqual([kept.state, kept.pid], ['running', before[0]!.pid], 'low-a kept running: same process');
		const stopped = (await d.json<{events: StoredEvent[]}>('history', '--all', '-n', '200')).events.filter(e => e.data.to === 'stopping');
		assert.deepEqual(stopped.map(e => e.taskId), [lowB], 'one eviction, no more');

		writeFileSync(gate, '');
		await d.until(high, 'completed');
		await d.until(lowB, 'running');
		await d.down();
	});

	it('tm queue lists 200 mixed-priority jobs in the order they then start', async () => {
		const d = await daemon('taskmaster:\n  max_running: 1\nprograms: {}\n');
		const gate = path.join(d.dir, 'go');
		const blocker = await d.submit('--name', 'blocker', '--priority', '1000', '--', ...gated(gate));
		await d.until(blocker, 'running');
		const ids: string[] = [];
		for (let i = 0; i < 200; i++) {
			ids.push(await d.submit('--priority', String((i * 7919) % 7), '--', 'true'));
		}

		// A delayed job is listed after them all, with its time, whatever its priority.
		const later = await d.submit('--priority', '9', '--delay', '1h', '--', 'true');
		const queue = await d.json<QueueDoc>('queue');
		assertSchema('queue', queue);
		const last = queue.tasks.pop();
		assert.equal(last?.id, later);
		assert.ok(last.eligibleAt !== null && Date.parse(last.eligibleAt) > Date.now() + 3_500_000, 'eligible in an hour');
		const order = queue.tasks.map(entry => entry.id);
		assert.equal(order.length, 200);
		assert.deepEqual(new Set(order), new Set(ids));
		assert.deepEqual(queue.tasks.map(t => t.priority), queue.tasks.map(t => t.priority).toSorted((a, b) => b - a), 'highest priority first');
		assert.equal(queue.depth.reduce((sum, level) => sum + level.count, 0), 201);
		assert.deepEqual(queue.depth.map(level => level.priority), [9, 6, 5, 4, 3, 2, 1, 0]);
		assert.equal(queue.tasks[0]?.reason, 'waiting for a slot (max_running 1)');
		assert.equal(queue.tasks[0]?.eligibleAt, null);
		assert.deepEqual(queue.capacity.claimed.slots, 1);
		const table = await d.cli('queue');
		assert.match(table.out, /^# +ID +NAME +PRI +MEMORY +CPUS +ELIGIBLE +WAITED +REASON$/m);
		assert.match(table.out, /^201 waiting: priority 9: 1, priority 6: \d+, priority 5: \d+/m);
		assert.match(table.out, new RegExp(`^201 +${later} +${later} +9 +- +- +in (59m\\d\\ds|1h00m) `, 'm'));

		writeFileSync(gate, '');
		await waitFor(async () => (await d.tasks()).filter(t => t.state === 'completed').length, n => n === 201, {what: 'every job to complete', timeout: 180_000, interval: 200});
		const events = (await d.json<{events: StoredEvent[]}>('history', '--all', '-n', '5000')).events;
		const started = events
			.filter(e => e.data.to === 'starting' && ids.includes(e.taskId))
			.toSorted((a, b) => a.id - b.id)
			.map(e => e.taskId);
		assert.deepEqual(started, order, 'the real start order is the order tm queue showed');
		await d.down();
	});
});
