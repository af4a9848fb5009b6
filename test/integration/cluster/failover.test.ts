/**
 * Leases and fencing with three members (lease 3s, poll 250ms): a member killed with its job
 * (kill -9, as a machine dies) → the job runs again on another member within lease + one poll;
 * a member stopped (SIGSTOP) past its lease → another takes the job over, and when it goes on
 * (SIGCONT) it stops its own copy: the job completes once (each run appends its claim token to a
 * file when it completes: one line, the new owner's).
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {jobs, type Host, useCluster} from '../../helpers/cluster.js';
import {tempDir} from '../../helpers/harness.js';
import {pgMissing} from '../../helpers/postgres.js';
import {alive, waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? false;
const leaseMs = 3000;
const pollMs = 250;
const dir = tempDir();

const cluster = useCluster(['f1', 'f2', 'f3'], () => ({lease: '3s', poll: '250ms', maxRunning: 1}));

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/** A job that notes each start, sleeps, then appends its token to `done` (its completion). */
async function submit(name: string, seconds: number): Promise<{id: string; starts: string; done: string}> {
	const starts = path.join(dir, `${name}.starts`);
	const done = path.join(dir, `${name}.done`);
	const script = `echo "$TM_CLUSTER_TOKEN $TM_CLUSTER_HOST" >> ${starts}; sleep ${seconds}; echo "$TM_CLUSTER_TOKEN" >> ${done}`;
	const result = await cluster.hosts[0]!.cli('run', '--cluster', '--name', name, '--shell', '--', script);
	assert.equal(result.code, 0, result.err);
	return {id: result.out.trim(), starts, done};
}

const hostNamed = (name: string | null | undefined): Host => cluster.hosts.find(h => h.name === name)!;

async function localCopy(host: Host, id: string): Promise<TaskStatus | undefined> {
	return (await host.json<{tasks: TaskStatus[]}>('tasks')).tasks.find(t => t.id.startsWith(`${id}.`));
}

test('kill -9 of a member with its job: the job runs again on another member within lease + one poll', {skip}, async t => {
	const job = await submit('killed', 4);
	const first = await waitFor(() => lines(job.starts), l => l.length === 1, {what: 'the first start'});
	const [, owner] = first[0]!.split(' ');
	const victim = hostNamed(owner);
	const copy = await waitFor(() => localCopy(victim, job.id), t => t?.pid !== null && t?.pid !== undefined, {what: 'the pid of the copy'});
	const killedAt = Date.now();
	process.kill(victim.proc.pid, 'SIGKILL');
	process.kill(-copy!.pid!, 'SIGKILL');
	const again = await waitFor(() => lines(job.starts), l => l.length === 2, {timeout: 15_000, interval: 20, what: 'the job started elsewhere'});
	const took = Date.now() - killedAt;
	assert.notEqual(again[1]!.split(' ')[1], owner, 'another member runs it');
	// The last renewal came at most lease/3 before the kill: its lease ran out within `lease`, then one poll, then a spawn.
	assert.ok(took < leaseMs + pollMs + 1500, `ran again after ${took} ms (lease ${leaseMs} + poll ${pollMs})`);
	t.diagnostic(`kill -9 → running elsewhere in ${took} ms`);
	const rows = await waitFor(() => jobs(cluster.server), r => r.find(j => j.id === job.id)?.state === 'completed', {timeout: 15_000, what: 'completion'});
	const row = rows.find(j => j.id === job.id)!;
	assert.equal(row.attempt, 2);
	assert.equal(row.completions, 1);
	assert.deepEqual(lines(job.done), [again[1]!.split(' ')[0]]);
	cluster.hosts = cluster.hosts.filter(h => h !== victim);
	assert.equal((await cluster.hosts[0]!.json<{hosts: Array<{name: string; state: string}>}>('hosts')).hosts.find(h => h.name === owner)?.state, 'lost');
});

test('SIGSTOP past the lease, then SIGCONT: the stopped member stops its copy; the job completes once', {skip}, async () => {
	const job = await submit('paused', 6);
	const first = await waitFor(() => lines(job.starts), l => l.length === 1, {what: 'the first start'});
	const [firstToken, owner] = first[0]!.split(' ');
	const frozen = hostNamed(owner);
	const copy = await waitFor(() => localCopy(frozen, job.id), t => t?.pid !== null && t?.pid !== undefined, {what: 'the pid of the copy'});
	process.kill(frozen.proc.pid, 'SIGSTOP');
	const again = await waitFor(() => lines(job.starts), l => l.length === 2, {timeout: 15_000, what: 'the job taken over'});
	const [newToken, newOwner] = again[1]!.split(' ');
	assert.notEqual(newOwner, owner);
	process.kill(frozen.proc.pid, 'SIGCONT');
	const stopped = await waitFor(() => localCopy(frozen, job.id), t => t?.state === 'stopped', {timeout: 10_000, what: 'the stopped member to stop its copy'});
	assert.equal(stopped!.cause, 'lease_lost');
	assert.match(stopped!.reason, /lost its cluster lease/);
	assert.equal(alive(copy!.pid!), false, 'its process is gone');
	const rows = await waitFor(() => jobs(cluster.server), r => r.find(j => j.id === job.id)?.state === 'completed', {timeout: 15_000, what: 'completion'});
	const row = rows.find(j => j.id === job.id)!;
	assert.equal(row.completions, 1, 'recorded once');
	assert.equal(row.owner, newOwner);
	assert.deepEqual(lines(job.done), [newToken], `one completion, by token ${newToken} (not ${firstToken})`);
});
