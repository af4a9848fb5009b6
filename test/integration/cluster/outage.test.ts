/**
 * PostgreSQL stopped and started mid-run, with three members: while it is away local work goes
 * on, `tm status` says the cluster is unreachable, jobs that end keep their outcomes in memory and
 * write them when it returns; nothing is lost. Away for less than the lease, no job runs twice;
 * away for longer, each member stops its copies and the jobs run again (at least once).
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';
import {jobs, type Host, useCluster} from '../../helpers/cluster.js';
import {tempDir} from '../../helpers/harness.js';
import {freePort} from '../../helpers/ports.js';
import {pgMissing} from '../../helpers/postgres.js';
import {waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? false;
let port = 0;
const healthz = async (): Promise<number> => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
const dir = tempDir();

before(async () => {
	port = await freePort();
});
const cluster = useCluster(['o1', 'o2', 'o3'], name => ({lease: '8s', poll: '250ms', maxRunning: 2, ...(name === 'o1' ? {httpPort: port} : {})}));

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

async function submitMany(count: number, seconds: number, file: string): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < count; i++) {
		const result = await cluster.hosts[i % 3]!.cli('run', '--cluster', '--shell', '--', `sleep ${seconds}; echo "$TM_CLUSTER_JOB $TM_CLUSTER_TOKEN" >> ${file}`);
		assert.equal(result.code, 0, result.err);
		ids.push(result.out.trim());
	}

	return ids;
}

const unreachable = async (host: Host): Promise<boolean> => {
	const result = await host.cli('status');
	return /tm: cluster unreachable/.test(result.err);
};

test('PostgreSQL away for less than the lease: jobs go on, outcomes are written when it returns, none runs twice', {skip}, async () => {
	const file = path.join(dir, 'short.done');
	const ids = await submitMany(12, 1.5, file);
	await waitFor(() => jobs(cluster.server), rows => rows.filter(r => r.state === 'running').length >= 4, {what: 'jobs running'});
	await cluster.server.stop();
	for (const host of cluster.hosts) {
		await waitFor(() => unreachable(host), yes => yes, {timeout: 10_000, what: `${host.name} to say the cluster is unreachable`});
	}

	assert.equal(await healthz(), 503, '/healthz says so too');
	// Jobs end while it is away: their outcomes wait in memory.
	await waitFor(() => lines(file).length, n => n >= 4, {timeout: 10_000, what: 'jobs completing meanwhile'});
	await cluster.server.start();
	const rows = await waitFor(() => jobs(cluster.server), r => ids.every(id => r.find(j => j.id === id)?.state === 'completed'), {timeout: 40_000, what: 'every job completed'});
	assert.ok(rows.every(r => r.completions === 1 && r.attempt === 1), JSON.stringify(rows.filter(r => r.attempt !== 1)));
	const ran = lines(file).map(line => line.split(' ')[0]);
	assert.deepEqual([...ran].sort(), [...ids].sort(), 'each job ran once');
	await waitFor(() => unreachable(cluster.hosts[0]!), yes => !yes, {what: 'the status back to normal'});
	assert.equal(await healthz(), 200);
});

test('PostgreSQL away for longer than the lease: members stop their copies; every job still completes', {skip}, async () => {
	const file = path.join(dir, 'long.done');
	const ids = await submitMany(6, 12, file);
	await waitFor(() => jobs(cluster.server), rows => rows.filter(r => ids.includes(r.id) && r.state === 'running').length === 6, {timeout: 15_000, what: 'six jobs running'});
	await cluster.server.stop();
	// Past the lease by each member's clock, each stops its copies (cause lease_lost).
	await waitFor(
		async () => (await Promise.all(cluster.hosts.map(h => h.json<{tasks: Array<{id: string; cause: string}>}>('tasks')))).flatMap(d => d.tasks).filter(t => t.cause === 'lease_lost').length,
		n => n === 6,
		{timeout: 20_000, interval: 200, what: 'every copy stopped for its lost lease'},
	);
	await cluster.server.start();
	const rows = await waitFor(() => jobs(cluster.server), r => ids.every(id => r.find(j => j.id === id)?.state === 'completed'), {timeout: 60_000, interval: 200, what: 'every job completed'});
	assert.ok(rows.filter(r => ids.includes(r.id)).every(r => r.completions === 1 && r.attempt === 2), 'each ran again once, completed once');
	assert.deepEqual([...new Set(lines(file).map(line => line.split(' ')[0]))].sort(), [...ids].sort());
	assert.equal(lines(file).length, 6, 'no stopped copy completed');
});
