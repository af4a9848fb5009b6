/**
 * Control of cluster jobs from a member that does not run them (issue 21 item 4), three members
 * on a real PostgreSQL: pause and resume (the owner freezes its copy, and keeps its lease while
 * paused), fail (queued: dead at once; running: the owner stops it and writes it dead), retry
 * with a delay, `tm queue --cluster` (claim order, reasons, depth by priority), `tm logs` (the
 * owner ships its tail on request and when the job ends), and an owner that is lost named.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import type {ClusterQueueDoc, TaskActionResult, TaskDetail, TaskStatus} from '../../../src/core/ipc/methods.js';
import {query, type Host, useCluster} from '../../helpers/cluster.js';
import {tempDir} from '../../helpers/harness.js';
import {pgMissing} from '../../helpers/postgres.js';
import {waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? false;
const dir = tempDir();

const cluster = useCluster(['k1', 'k2', 'k3'], () => ({lease: '3s', poll: '250ms', maxRunning: 2}));

const k1 = (): Host => cluster.hosts[0]!;
const k2 = (): Host => cluster.hosts[1]!;
const k3 = (): Host => cluster.hosts[2]!;

async function submit(host: Host, ...args: string[]): Promise<string> {
	const result = await host.cli('run', '--cluster', ...args);
	assert.equal(result.code, 0, result.err);
	return result.out.trim();
}

type Row = {state: string; owner: string | null; token: string | null; attempt: number; reason: string; paused: boolean; lease_until: Date | null; run_at_in: number};

async function row(id: string): Promise<Row> {
	const rows = await query<Row>(
		cluster.server,
		`SELECT state, owner, token::text AS token, attempt, reason, paused_at IS NOT NULL AS paused, lease_until,
			(extract(epoch FROM run_at - now()) * 1000)::float8 AS run_at_in FROM tm_cluster.jobs WHERE id = $1`,
		[id],
	);
	assert.ok(rows[0], `no job ${id}`);
	return rows[0];
}

const waitRow = (id: string, accept: (r: Row) => boolean, what: string, timeout = 15_000): Promise<Row> => waitFor(() => row(id), accept, {timeout, interval: 50, what});

/** A job that writes a growing count to `file` ten times a second. */
function counter(name: string): {file: string; script: string} {
	const file = path.join(dir, `${name}.count`);
	return {file, script: `i=0; while true; do i=$((i+1)); echo $i > ${file}.tmp && mv ${file}.tmp ${file}; echo "tick $i"; sleep 0.1; done`};
}

const count = (file: string): number => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim() || 0) : 0);

async function clusterTask(host: Host, id: string): Promise<TaskStatus | undefined> {
	return (await host.json<{tasks: TaskStatus[]}>('tasks', '--cluster')).tasks.find(t => t.id === id);
}

test('pause and resume from other members: the owner freezes its copy and keeps its lease while paused', {skip}, async () => {
	const {file, script} = counter('paused');
	const id = await submit(k1(), '--on', 'k2', '--name', 'counter', '--shell', '--', script);
	const running = await waitRow(id, r => r.state === 'running', 'the job running on k2');
	await waitFor(() => count(file), n => n > 2, {what: 'the counter moving'});

	const paused = await k3().cli('pause', id);
	assert.equal(paused.code, 0, paused.err);
	assert.equal(paused.out.trim(), `${id}: paused`);
	const at = await row(id);
	assert.equal(at.paused, true);
	const twice = await k1().cli('pause', id);
	assert.equal(twice.code, 1);
	assert.match(twice.out, new RegExp(`${id}: paused \\(${id} is paused; only a running job can be paused\\)`));
	// Listed and shown as paused, from every member, with where it is paused.
	assert.equal((await clusterTask(k1(), id))?.state, 'paused');
	assert.equal((await clusterTask(k1(), id))?.host, 'k2');
	const shown = await k1().json<TaskDetail>('show', id);
	assert.equal(shown.state, 'paused');
	assert.match(shown.reason, /^paused on k2 since /);
	assert.deepEqual((await k3().json<{tasks: TaskStatus[]}>('tasks', '--cluster', '--state', 'paused')).tasks.map(t => t.id), [id]);
	// k2's own copy is paused (a local job, frozen).
	const local = (await k2().json<{tasks: TaskStatus[]}>('tasks')).tasks.find(t => t.id.startsWith(`${id}.`));
	assert.equal(local?.state, 'paused');

	// Held past a whole lease while paused: renewed, never taken over.
	const frozen = count(file);
	const pausedAt = Date.now();
	await waitRow(id, r => r.lease_until !== null && new Date(r.lease_until).getTime() > pausedAt + 4000, 'the lease renewed past a whole lease while paused', 10_000);
	const held = await row(id);
	assert.deepEqual([held.state, held.owner, held.token, held.attempt, held.paused], ['running', 'k2', running.token, 1, true]);
	assert.equal(count(file), frozen, 'the frozen copy did not count on');

	const resumed = await k1().cli('resume', id);
	assert.equal(resumed.code, 0, resumed.err);
	assert.equal(resumed.out.trim(), `${id}: running`);
	await waitFor(() => count(file), n => n > frozen + 2, {what: 'the counter moving again'});
	assert.equal((await row(id)).paused, false);

	// Paused on its owner by its local id: the cluster shows it, and the owner does not undo it; resumed from elsewhere.
	const copy = `${id}.${running.token}`;
	assert.equal((await k2().cli('pause', copy)).code, 0);
	await waitFor(() => clusterTask(k1(), id), t => t?.state === 'paused', {timeout: 5000, what: 'the local pause seen in the cluster'});
	const heldAt = Date.now();
	await waitRow(id, r => r.lease_until !== null && new Date(r.lease_until).getTime() > heldAt + 2000, 'another renewal');
	assert.equal((await row(id)).paused, true, 'still paused after a renewal');
	const fromElsewhere = await k3().cli('resume', id);
	assert.equal(fromElsewhere.out.trim(), `${id}: running`, fromElsewhere.err);

	// What cannot be done is refused, saying why.
	const again = await k1().cli('resume', id);
	assert.equal(again.code, 1);
	assert.match(again.out, new RegExp(`${id}: running \\(${id} is running, not paused\\)`));
	// Cancelled while paused: the owner stops its frozen copy.
	assert.equal((await k1().cli('pause', id)).out.trim(), `${id}: paused`);
	const cancelled = await k1().cli('cancel', id);
	assert.equal(cancelled.out.trim(), `${id}: stopped`, cancelled.err);
	assert.equal((await row(id)).state, 'cancelled');
	const notRunning = await k3().cli('pause', id);
	assert.equal(notRunning.code, 1);
	assert.match(notRunning.out, /only a running job can be paused/);
});

test('fail: a queued job is dead at once; a running one is stopped by its owner and written dead; retry brings it back', {skip}, async () => {
	const queued = await submit(k2(), '--name', 'blocked', '--after', 'never-completes', '--', 'true');
	const failed = await k3().json<{results: TaskActionResult[]}>('fail', queued, '--reason', 'bad input');
	assert.deepEqual(failed.results.map(r => [r.name, r.ok, r.state]), [[queued, true, 'fatal']]);
	const dead = await row(queued);
	assert.deepEqual([dead.state, dead.reason], ['dead', 'failed by hand from k3: bad input']);

	const id = await submit(k1(), '--on', 'k1', '--name', 'long', '--', 'sleep', '60');
	await waitRow(id, r => r.state === 'running', 'the job running on k1');
	const result = await k2().cli('fail', id, '--reason', 'wrong data');
	assert.equal(result.code, 0, result.err);
	assert.equal(result.out.trim(), `${id}: fatal`, 'tm fail waits until the owner wrote it dead');
	const written = await row(id);
	assert.deepEqual([written.state, written.owner, written.reason], ['dead', 'k1', 'failed by hand from k2: wrong data']);
	const local = (await k1().json<{tasks: TaskStatus[]}>('tasks')).tasks.find(t => t.id.startsWith(`${id}.`));
	assert.equal(local?.state, 'failed', "k1's copy was stopped");
	assert.equal((await clusterTask(k3(), id))?.state, 'fatal');
	const twice = await k3().cli('fail', id);
	assert.equal(twice.code, 1);
	assert.match(twice.out, /has already finished \(dead\)/);

	// Requeued with a delay (seed 003's Requeue): queued, not claimed before then.
	const retried = await k3().cli('retry', id, '--delay', '5m');
	assert.equal(retried.code, 0, retried.err);
	const later = await row(id);
	assert.equal(later.state, 'queued');
	assert.ok(later.run_at_in > 290_000 && later.run_at_in <= 300_000, String(later.run_at_in));
	const listed = await clusterTask(k1(), id);
	assert.ok(listed?.eligibleAt !== null && Date.parse(listed!.eligibleAt!) > Date.now() + 280_000, String(listed?.eligibleAt));
	assert.equal((await row(id)).owner, null, 'not claimed');
	assert.equal((await k1().cli('cancel', id)).code, 0);
});

test('tm queue --cluster: claim order, why each waits, depth by priority', {skip}, async () => {
	// Six slots held, so nothing below is claimed while the test reads the queue.
	const holders = await Promise.all(Array.from({length: 6}, () => submit(k1(), '--', 'sleep', '60')));
	await waitFor(() => Promise.all(holders.map(id => row(id))), rows => rows.every(r => r.state === 'running'), {timeout: 15_000, what: 'six jobs running'});
	const a = await submit(k1(), '--name', 'q-a', '--', 'true');
	const b = await submit(k2(), '--name', 'q-b', '--priority', '5', '--', 'true');
	const c = await submit(k3(), '--name', 'q-c', '--on', 'k3', '--', 'true');
	const d = await submit(k1(), '--name', 'q-d', '--delay', '1h', '--', 'true');
	const e = await submit(k2(), '--name', 'q-e', '--priority', '9', '--after', 'q-never', '--', 'true');
	const doc = await waitFor(() => k3().json<ClusterQueueDoc>('queue', '--cluster'), q => q.slots.used === 6, {timeout: 10_000, interval: 100, what: 'the beats to count six slots used'});
	assert.deepEqual(doc.tasks.map(t => t.id), [b, a, c, e, d], 'due first (priority, then FIFO), then what waits for --after or a time');
	const by = new Map(doc.tasks.map(t => [t.id, t]));
	assert.equal(by.get(a)?.reason, 'waiting for a free slot on a member');
	assert.equal(by.get(c)?.reason, 'waiting for a free slot on k3');
	assert.equal(by.get(c)?.pin, 'k3');
	assert.equal(by.get(e)?.reason, 'waiting for q-never to complete (--after)');
	assert.equal(by.get(d)?.reason, 'delayed');
	assert.ok(by.get(d)?.eligibleAt !== null);
	assert.deepEqual(doc.depth, [{priority: 9, count: 1}, {priority: 5, count: 1}, {priority: 0, count: 3}]);
	assert.deepEqual(doc.slots, {members: 3, total: 6, used: 6});
	const text = await k1().cli('queue', '--cluster');
	assert.equal(text.code, 0, text.err);
	assert.match(text.out, /#\s+ID\s+NAME\s+PRI\s+MEMORY\s+CPUS\s+ELIGIBLE\s+WAITED\s+PIN\s+REASON/);
	assert.match(text.out, /5 waiting: priority 9: 1, priority 5: 1, priority 0: 3\n3 members alive, slots 6\/6 used\n$/);
	const lines = text.out.split('\n');
	assert.ok(lines.findIndex(l => l.includes(b)) < lines.findIndex(l => l.includes(a)));
	// The waiting ones first: they would be claimed (and finish) as soon as a holder's slot frees.
	for (const id of [a, b, c, d, e, ...holders]) {
		assert.equal((await k1().cli('cancel', '--no-wait', id)).code, 0);
	}

	await waitFor(() => k1().json<ClusterQueueDoc>('queue', '--cluster'), q => q.tasks.length === 0, {what: 'the queue empty'});
});

test('tm logs from another member: the owner ships its tail while it runs, and when the job ends', {skip}, async () => {
	const {script} = counter('logged');
	const id = await submit(k1(), '--on', 'k2', '--name', 'chatty', '--shell', '--', script);
	await waitRow(id, r => r.state === 'running', 'the job running on k2');
	const lines = await waitFor(
		async () => (await k3().json<{lines: Array<{text: string}>}>('logs', id, '-n', '5')).lines,
		got => got.length === 5,
		{what: 'five lines from k2'},
	);
	assert.ok(lines.every(l => /^tick \d+$/.test(l.text)), JSON.stringify(lines));
	const text = await k1().cli('logs', id, '-n', '3');
	assert.equal(text.code, 0, text.err);
	assert.match(text.out, /tick \d+/);
	const follow = await k1().cli('logs', '-f', id);
	assert.equal(follow.code, 1);
	assert.match(follow.err, new RegExp(`${id} is a cluster job: its log is followed on k2 \\(tm logs -f ${id} there\\)`));
	assert.equal((await k1().cli('cancel', id)).code, 0);

	const done = await submit(k1(), '--on', 'k3', '--name', 'said', '--shell', '--', 'echo first; echo second >&2; echo third');
	await waitRow(done, r => r.state === 'completed', 'the job completed on k3');
	const ended = await waitFor(() => k1().cli('logs', done), r => r.code === 0, {what: 'its tail readable on k1'});
	// Two pipes: the order between stdout and stderr is the order they were read in.
	assert.deepEqual(ended.out.trim().split('\n').sort(), ['[stderr] second', 'first', 'third']);
	const stderr = await k2().json<{lines: Array<{text: string}>}>('logs', done, '--stderr');
	assert.deepEqual(stderr.lines.map(l => l.text), ['second']);
});

test('an owner that is lost: pause and logs say so, naming it and when it was last seen', {skip}, async () => {
	const id = await submit(k1(), '--on', 'k3', '--name', 'stranded', '--', 'sleep', '60');
	await waitRow(id, r => r.state === 'running', 'the job running on k3');
	process.kill(k3().proc.pid, 'SIGSTOP');
	try {
		// Stands in for the window before a takeover: the lease outlives the member's beats.
		await query(cluster.server, "UPDATE tm_cluster.jobs SET lease_until = now() + interval '1 hour' WHERE id = $1", [id]);
		await waitFor(() => k1().json<{hosts: Array<{name: string; state: string}>}>('hosts'), doc => doc.hosts.find(h => h.name === 'k3')?.state === 'lost', {what: 'k3 lost'});
		const paused = await k1().cli('pause', id);
		assert.equal(paused.code, 1);
		assert.match(paused.out, new RegExp(`${id}: running \\(${id} runs on k3, which is lost \\(last seen \\d+s ago\\): it cannot pause it; another member takes the job over once its lease runs out\\)`));
		const logs = await k2().cli('logs', id);
		assert.equal(logs.code, 1);
		assert.match(logs.err, new RegExp(`${id} runs on k3, which is lost \\(last seen \\d+s ago\\): its logs are on that host and cannot be read now`));
	} finally {
		process.kill(k3().proc.pid, 'SIGCONT');
	}

	assert.equal((await k1().cli('cancel', '--no-wait', id)).code, 0);
});
