/**
 * Three daemons, three homes, one cluster on a PostgreSQL the test starts: they register
 * (`tm hosts`), cluster jobs spread over all three, `--on` pins one, and a job is shown,
 * cancelled and retried from a member that does not hold it. A daemon in no cluster refuses
 * the cluster verbs, and a newer schema stops a member's start.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';
import type {MemberDoc, TaskDetail, TaskStatus} from '../../../src/core/ipc/methods.js';
import {schemaVersion} from '../../../src/core/cluster/schema.js';
import {tm} from '../../helpers/cli.js';
import {clusterConfig, jobs, query, type Host, useCluster} from '../../helpers/cluster.js';
import {tempDir} from '../../helpers/harness.js';
import {freePort} from '../../helpers/ports.js';
import {pgMissing} from '../../helpers/postgres.js';
import {runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const skip = pgMissing ?? false;
let port = 0;

before(async () => {
	port = await freePort();
});
const cluster = useCluster(['m1', 'm2', 'm3'], name => ({maxRunning: 2, ...(name === 'm1' ? {httpPort: port} : {})}));

const submit = async (host: Host, ...args: string[]): Promise<string> => {
	const result = await host.cli('run', '--cluster', ...args);
	assert.equal(result.code, 0, result.err);
	return result.out.trim();
};

test('members register: tm hosts lists each, alive, with its capacity', {skip}, async () => {
	const doc = await cluster.hosts[0]!.json<{hosts: MemberDoc[]; queued: number}>('hosts');
	assert.deepEqual(
		doc.hosts.map(h => [h.name, h.state, h.capacity]),
		[['m1', 'alive', 2], ['m2', 'alive', 2], ['m3', 'alive', 2]],
	);
	const text = await cluster.hosts[1]!.cli('hosts');
	assert.match(text.out, /NAME\s+VERSION\s+STATE\s+LAST SEEN\s+SLOTS\s+CLAIMS/);
	assert.match((await cluster.hosts[2]!.cli('status')).out, /cluster: m3 on 127\.0\.0\.1:\d+\/tm/);
});

test('cluster jobs spread over all three members; --on pins one', {skip}, async () => {
	// Six slots, six jobs that each hold one for a while: every member must take some.
	const ids = await Promise.all(Array.from({length: 6}, () => submit(cluster.hosts[0]!, '--', 'sleep', '1.5')));
	const pinned = await submit(cluster.hosts[0]!, '--on', 'm3', '--name', 'pinned', '--', 'echo', 'hello from m3');
	const done = await waitFor(() => jobs(cluster.server), rows => [...ids, pinned].every(id => rows.find(r => r.id === id)?.state === 'completed'), {timeout: 30_000, what: 'every job completed'});
	const owners = new Set(done.filter(r => ids.includes(r.id)).map(r => r.owner));
	assert.deepEqual([...owners].sort(), ['m1', 'm2', 'm3'], 'each member ran some');
	assert.equal(done.find(r => r.id === pinned)?.owner, 'm3');
	assert.ok(done.every(r => r.completions === 1));
	const listed = await cluster.hosts[1]!.json<{tasks: TaskStatus[]}>('tasks', '--cluster');
	assert.equal(listed.tasks.find(t => t.id === pinned)?.host, 'm3');
	// Its logs: on the member that ran it; elsewhere, the tail m3 shipped when it ended (control.test.ts has more).
	assert.match((await cluster.hosts[2]!.cli('logs', pinned)).out, /hello from m3/);
	assert.match((await cluster.hosts[0]!.cli('logs', pinned)).out, /hello from m3/);
	const refused = await cluster.hosts[0]!.cli('run', '--cluster', '--on', 'nowhere', '--', 'true');
	assert.equal(refused.code, 2);
	assert.match(refused.err, /--on nowhere: no such member \(tm hosts lists them: m1, m2, m3\)/);
});

test('show, cancel and retry from a member that does not hold the job', {skip}, async () => {
	const id = await submit(cluster.hosts[0]!, '--on', 'm2', '--name', 'long', '--', 'sleep', '60');
	await waitFor(() => jobs(cluster.server), rows => rows.find(r => r.id === id)?.state === 'running', {what: 'the job running on m2'});
	const shown = await cluster.hosts[2]!.json<TaskDetail>('show', id);
	assert.equal(shown.host, 'm2');
	assert.equal(shown.state, 'running');
	const cancelled = await cluster.hosts[2]!.cli('cancel', id);
	assert.equal(cancelled.code, 0, cancelled.err);
	const ended = await waitFor(() => jobs(cluster.server), rows => rows.find(r => r.id === id)?.state === 'cancelled', {timeout: 15_000, what: 'the cancel acted on by m2'});
	assert.equal(ended.find(r => r.id === id)?.owner, 'm2');
	// m2 stopped its local copy.
	const local = await cluster.hosts[1]!.json<{tasks: TaskStatus[]}>('tasks');
	assert.equal(local.tasks.find(t => t.id.startsWith(`${id}.`))?.state, 'stopped');
	const retried = await cluster.hosts[0]!.cli('retry', 'long');
	assert.equal(retried.code, 0, retried.err);
	await waitFor(() => jobs(cluster.server), rows => rows.find(r => r.id === id)?.state === 'running', {timeout: 15_000, what: 'the retried job running again'});
	assert.equal((await cluster.hosts[0]!.cli('cancel', '--no-wait', id)).code, 0);
	const unknown = await cluster.hosts[0]!.cli('show', 'c-00000000');
	assert.equal(unknown.code, 4);
});

test('--delay: a cluster job is not claimed before its time, and says when', {skip}, async () => {
	const id = await submit(cluster.hosts[0]!, '--delay', '1h', '--name', 'later', '--', 'true');
	const shown = await cluster.hosts[1]!.json<TaskDetail>('show', id);
	assert.equal(shown.state, 'queued');
	assert.ok(shown.eligibleAt !== null && Date.parse(shown.eligibleAt) > Date.now() + 3_500_000, String(shown.eligibleAt));
	assert.equal((await jobs(cluster.server)).find(r => r.id === id)?.owner, null);
	assert.equal((await cluster.hosts[1]!.cli('cancel', id)).code, 0);
});

test("every member's metrics show the cluster's queue depth by priority and its own claims", {skip}, async () => {
	await submit(cluster.hosts[1]!, '--on', 'm1', '--priority', '7', '--after', 'never-completes', '--', 'true');
	const text = await waitFor(
		async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
		body => /tm_cluster_queue_depth\{priority="7"\} 1/.test(body),
		{timeout: 15_000, interval: 200, what: 'the depth after a renewal'},
	);
	assert.match(text, /tm_cluster_reachable 1/);
	assert.match(text, /tm_cluster_claims_total \d+/);
	assert.match(text, /tm_cluster_claims \d+/);
	const health = await fetch(`http://127.0.0.1:${port}/healthz`);
	assert.equal(health.status, 200);
	assert.equal(((await health.json()) as {cluster: {name: string}}).cluster.name, 'm1');
});

test('a daemon in no cluster refuses cluster verbs, naming the setting', {skip}, async () => {
	const dir = tempDir();
	writeFileSync(path.join(dir, 'tm.yaml'), 'programs: {}\n');
	runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm(['--home', path.join(dir, 'home'), ...args], {cwd: dir, env: {HOME: dir}});
	await waitFor(() => cli('status').then(r => r.code), code => code === 0, {what: 'the plain daemon', timeout: 30_000});
	const result = await cli('run', '--cluster', '--', 'true');
	assert.equal(result.code, 1);
	assert.match(result.err, /E_CLUSTER|this daemon is in no cluster; set taskmaster\.cluster/);
});

test('a password in the URL is refused, without repeating it', {skip}, async () => {
	const dir = tempDir();
	writeFileSync(path.join(dir, 'tm.yaml'), clusterConfig('postgres://tm:s3cret@127.0.0.1:5432/tm', 'x'));
	const result = await tm(['validate', '-c', path.join(dir, 'tm.yaml')], {cwd: dir});
	assert.equal(result.code, 2);
	assert.match(result.err + result.out, /the URL holds a password: take it out, and put it in a file named by cluster\.password_file/);
	assert.doesNotMatch(result.err + result.out, /s3cret/);
});

test('a schema newer than this tm knows stops a member from starting, untouched', {skip}, async () => {
	await query(cluster.server, "UPDATE tm_cluster.meta SET value = '99' WHERE key = 'schema_version'");
	try {
		const dir = tempDir();
		writeFileSync(path.join(dir, 'tm.yaml'), clusterConfig(cluster.server.url, 'newcomer'));
		const proc = runTm(['up', '--foreground'], {cwd: dir});
		const code = await proc.exited;
		assert.notEqual(code, 0);
		assert.match(proc.stderr(), new RegExp(`schema tm_cluster is at version 99, newer than this tm knows \\(${schemaVersion}\\)`));
		assert.equal((await query(cluster.server, "SELECT value FROM tm_cluster.meta WHERE key = 'schema_version'"))[0]?.['value'], '99');
	} finally {
		await query(cluster.server, "UPDATE tm_cluster.meta SET value = $1 WHERE key = 'schema_version'", [String(schemaVersion)]);
	}
});
