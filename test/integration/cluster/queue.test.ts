/**
 * The queue's statements against a real PostgreSQL, without daemons: claims come highest
 * priority first and FIFO among equals, skip jobs pinned elsewhere and jobs whose `--after` has
 * not completed (on any member); a lease that runs out is taken over with its attempt counted and
 * its checkpoint; a write, renewal or log tail under a stale token changes nothing; `tm fail` of a
 * job whose owner is lost makes it dead at the takeover.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {askFail} from '../../../src/core/cluster/asks.js';
import {retryJob} from '../../../src/core/cluster/control.js';
import {putLogs, readLogs} from '../../../src/core/cluster/job-logs.js';
import {claim, finish, insertJob, renew, takeOver, type NewJob} from '../../../src/core/cluster/queries.js';
import {migrate, schemaVersion} from '../../../src/core/cluster/schema.js';
import {useClusterSql} from '../../helpers/cluster.js';
import {pgMissing} from '../../helpers/postgres.js';
import {waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? false;

const pg = useClusterSql('q', async sql => {
	assert.equal(await migrate(sql), schemaVersion);
	assert.equal(await migrate(sql), schemaVersion, 'migrating again changes nothing');
});

const job = (id: string, more: Partial<NewJob> = {}): NewJob => ({id, name: id, params: {argv: ['true']}, priority: 0, pin: null, after: [], maxAttempts: 5, submittedBy: 'test', ...more});

test('claims: highest priority first, FIFO among equals, pins and --after honoured', {skip}, async () => {
	for (const j of [job('a1'), job('a2'), job('hi', {priority: 5}), job('pinned', {pin: 'other'}), job('later', {after: ['a1'], priority: 9})]) {
		await insertJob(pg.sql, j);
	}

	const first = await claim(pg.sql, 'h1', 2, 2000);
	assert.deepEqual(first.map(j => j.id), ['hi', 'a1'], '`later` waits for a1; `pinned` is for another member');
	assert.deepEqual((await claim(pg.sql, 'h1', 5, 2000)).map(j => j.id), ['a2']);
	const a1 = first[1]!;
	assert.deepEqual(await finish(pg.sql, [{id: 'a1', token: a1.token!, state: 'completed', exitCode: 0, reason: 'exit 0', checkpoint: null}]), ['a1']);
	assert.deepEqual((await claim(pg.sql, 'h2', 5, 2000)).map(j => j.id), ['later'], 'its dependency completed on another member');
	assert.deepEqual((await claim(pg.sql, 'other', 5, 2000)).map(j => j.id), ['pinned']);
});

test('a lease that runs out is taken over; the old token can neither renew nor write', {skip}, async () => {
	await insertJob(pg.sql, job('t1'));
	const [held] = await claim(pg.sql, 'h1', 1, 200);
	assert.deepEqual(await renew(pg.sql, [{id: 't1', token: held!.token!, checkpoint: 'step 3'}], 200), [{id: 't1', cancel_requested: false, pause_requested: false, fail_reason: null, logs_wanted: false}]);
	await waitFor(() => takeOver(pg.sql, 'h2'), n => n >= 1, {what: 'the lease to run out and be taken over'});
	const [again] = await claim(pg.sql, 'h2', 1, 2000);
	assert.equal(again!.id, 't1');
	assert.equal(again!.attempt, 2, 'the attempt is counted');
	assert.equal(again!.checkpoint, 'step 3', 'with its last checkpoint');
	assert.ok(BigInt(again!.token!) > BigInt(held!.token!), 'a newer token');
	assert.deepEqual(await renew(pg.sql, [{id: 't1', token: held!.token!, checkpoint: null}], 2000), [], 'the stale token renews nothing');
	assert.deepEqual(await finish(pg.sql, [{id: 't1', token: held!.token!, state: 'completed', exitCode: 0, reason: 'late', checkpoint: null}]), [], 'the stale write is refused');
	assert.deepEqual(await finish(pg.sql, [{id: 't1', token: again!.token!, state: 'completed', exitCode: 0, reason: 'exit 0', checkpoint: null}]), ['t1']);
	const [row] = await pg.sql.query<{completions: number; reason: string}>("SELECT completions, reason FROM tm_cluster.jobs WHERE id = 't1'");
	assert.deepEqual(row, {completions: 1, reason: 'exit 0'});
});

test('a job taken over more often than its attempts allow is dead (the dead letters), and can be retried', {skip}, async () => {
	await insertJob(pg.sql, job('d1', {maxAttempts: 1}));
	await claim(pg.sql, 'h1', 1, 50);
	await waitFor(() => takeOver(pg.sql, 'h2'), n => n >= 1, {what: 'the lease to run out'});
	const state = async (): Promise<string> => (await pg.sql.query<{state: string}>("SELECT state FROM tm_cluster.jobs WHERE id = 'd1'"))[0]!.state;
	assert.equal(await state(), 'dead');
	assert.equal((await retryJob(pg.sql, 'd1', 'h1'))?.state, 'queued');
	assert.equal(await state(), 'queued');
});

test("a stale token ships no log tail; a lost owner's job that tm fail was asked of is dead at its takeover", {skip}, async () => {
	await insertJob(pg.sql, job('l1'));
	const [old] = await claim(pg.sql, 'h1', 1, 100);
	await waitFor(() => takeOver(pg.sql, 'h2'), n => n >= 1, {what: 'the lease to run out'});
	const [now] = await claim(pg.sql, 'h2', 1, 2000);
	const line = {seq: 1, at: '2026-12-06T00:00:00.000Z', stream: 'stdout' as const, text: 'late'};
	await putLogs(pg.sql, 'h1', [{id: 'l1', token: old!.token!, lines: [line]}], true);
	assert.equal(await readLogs(pg.sql, 'l1'), null, 'the old copy cannot ship');
	await putLogs(pg.sql, 'h2', [{id: 'l1', token: now!.token!, lines: [{...line, text: 'mine'}]}], false);
	assert.deepEqual((await readLogs(pg.sql, 'l1'))?.lines.map(l => l.text), ['mine']);

	await insertJob(pg.sql, job('f1'));
	await claim(pg.sql, 'h1', 1, 100);
	assert.equal((await askFail(pg.sql, 'f1', 'from h3: bad'))?.state, 'running');
	await waitFor(() => takeOver(pg.sql, 'h2'), n => n >= 1, {what: 'the lease to run out'});
	const [row] = await pg.sql.query<{state: string; reason: string}>("SELECT state, reason FROM tm_cluster.jobs WHERE id = 'f1'");
	assert.deepEqual(row, {state: 'dead', reason: 'failed by hand from h3: bad (its owner h1 was lost before it stopped it)'});
});
