/**
 * The cluster queue (issue 21) on a PostgreSQL this bench starts (test/helpers/postgres.ts),
 * three tm daemons as three members against three pg-boss worker processes with the same total
 * concurrency (when PGBOSS_DIR names a folder where `npm install pg-boss` was run):
 *  1. N jobs of `true` (default 10,000): jobs per second, and PostgreSQL transactions per job
 *     (pg_stat_database: every statement and notification the members sent, polls and beats included);
 *  2. claim latency, idle queue: 100 jobs submitted one at a time, 50 ms apart: from the insert
 *     to the claim (PostgreSQL's own times), p50/p95;
 *  3. kill -9 of a member and its job → the job running on another member (tm: lease 3s, poll 250ms;
 *     pg-boss: the job's expireInSeconds 3, maintenance every second).
 * Run: `npx tsx bench/cluster.ts [jobs] [concurrency per host]`, e.g.
 * `PGBOSS_DIR=/tmp/pgboss-bench npx tsx bench/cluster.ts 10000 4`.
 */
import {fork, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {insertJobs, query, startHost, stopHosts, type Host} from '../test/helpers/cluster.js';
import {tempDir} from '../test/helpers/harness.js';
import {startPostgres, type PgServer} from '../test/helpers/postgres.js';
import {waitFor} from '../test/helpers/wait.js';

const jobs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 4);
const pct = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? Number.NaN;
const xacts = async (server: PgServer): Promise<number> =>
	Number((await query<{n: string}>(server, "SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = 'tm'"))[0]!.n);

async function tmSide(server: PgServer): Promise<Record<string, string>> {
	const hosts: Host[] = await Promise.all(['b1', 'b2', 'b3'].map(name => startHost(server, name, {lease: '3s', poll: '250ms', maxRunning: concurrency})));
	try {
		const dir = tempDir();
		const count = async (): Promise<number> => (await query<{n: number}>(server, "SELECT count(*)::int AS n FROM tm_cluster.jobs WHERE state = 'completed'"))[0]!.n;
		const before = await xacts(server);
		const started = performance.now();
		await insertJobs(server, jobs, ['true'], dir, 'c-bench');
		await waitFor(count, n => n >= jobs, {timeout: 1_800_000, interval: 200, what: `${jobs} jobs`});
		const seconds = (performance.now() - started) / 1000;
		const perJob = ((await xacts(server)) - before) / jobs;
		const latencies = await latency(server, async i => insertJobs(server, 1, ['true'], dir, `c-lat${i}`), "SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM tm_cluster.jobs WHERE id LIKE 'c-lat%' AND started_at IS NOT NULL");
		const failover = await killOne(server, hosts);
		return {
			'jobs/s': (jobs / seconds).toFixed(0),
			'tx/job': perJob.toFixed(1),
			'claim p50 ms': pct(latencies, 50).toFixed(0),
			'claim p95 ms': pct(latencies, 95).toFixed(0),
			'kill -9 → elsewhere ms': failover.toFixed(0),
		};
	} finally {
		stopHosts(hosts);
	}
}

async function latency(server: PgServer, submit: (i: number) => Promise<void>, sql: string): Promise<number[]> {
	for (let i = 0; i < 100; i++) {
		await submit(i);
		await new Promise(resolve => setTimeout(resolve, 50));
	}

	const rows = await waitFor(() => query<{ms: number}>(server, sql), r => r.length >= 100, {timeout: 60_000, interval: 100, what: 'the latency jobs'});
	return rows.map(r => Number(r.ms));
}

async function killOne(server: PgServer, hosts: Host[]): Promise<number> {
	await insertJobs(server, 1, ['sleep', '30'], tempDir(), 'c-kill');
	const running = await waitFor(
		() => query<{owner: string; token: string}>(server, "SELECT owner, token::text AS token FROM tm_cluster.jobs WHERE id = 'c-kill-1' AND state = 'running'"),
		r => r.length === 1,
		{what: 'the kill job running'},
	);
	const victim = hosts.find(h => h.name === running[0]!.owner)!;
	const copy = (await victim.json<{tasks: Array<{id: string; pid: number | null}>}>('tasks')).tasks.find(t => t.id.startsWith('c-kill-1.'));
	const at = performance.now();
	process.kill(victim.proc.pid, 'SIGKILL');
	if (copy?.pid) {
		process.kill(-copy.pid, 'SIGKILL');
	}

	await waitFor(
		() => query<{token: string}>(server, "SELECT token::text AS token FROM tm_cluster.jobs WHERE id = 'c-kill-1' AND state = 'running'"),
		r => r.length === 1 && r[0]!.token !== running[0]!.token,
		{timeout: 60_000, interval: 10, what: 'the job running elsewhere'},
	);
	return performance.now() - at;
}

/** The pg-boss worker holding the `kill` job (its `sleep` child) killed with it; until the job runs again (expireInSeconds 3, maintenance every 1 s). */
async function killBossWorker(server: PgServer, workers: ChildProcess[], send: () => Promise<void>): Promise<number> {
	await send();
	const sql = "SELECT retry_count, state FROM pgboss.job WHERE name = 'bench' AND data ? 'kill'";
	await waitFor(() => query<{state: string}>(server, sql), r => r[0]?.state === 'active', {what: 'the pg-boss kill job active'});
	const children = (pid: number): number[] => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
	const owner = await waitFor(() => workers.find(w => children(w.pid!).length > 0), w => w !== undefined, {what: 'the worker running it'});
	const at = performance.now();
	const sleeping = children(owner!.pid!);
	owner!.kill('SIGKILL');
	sleeping.forEach(pid => process.kill(pid, 'SIGKILL'));
	await waitFor(() => query<{retry_count: number; state: string}>(server, sql), r => r[0]?.state === 'active' && r[0].retry_count >= 1, {timeout: 120_000, interval: 10, what: 'the pg-boss job running again'});
	return performance.now() - at;
}

async function pgBossSide(server: PgServer): Promise<Record<string, string>> {
	const dir = process.env['PGBOSS_DIR']!;
	const env = {...process.env, PGBOSS_DIR: dir, PG_URL: server.url, CONCURRENCY: String(concurrency), SUPERVISE: '1'};
	const worker = path.join(import.meta.dirname, 'cluster-pgboss-worker.mjs');
	const workers = Array.from({length: 3}, () => fork(worker, [], {env, stdio: 'ignore'}));
	try {
		await Promise.all(workers.map(w => new Promise(resolve => w.once('message', resolve))));
		const {default: PgBoss} = (await import(path.join(dir, 'node_modules/pg-boss/src/index.js'))) as {default: new (o: object) => {start(): Promise<unknown>; createQueue(n: string): Promise<void>; insert(j: object[]): Promise<void>; send(n: string, d: object, o?: object): Promise<string>; stop(o: object): Promise<void>; on(e: string, f: () => void): void}};
		const boss = new PgBoss({connectionString: server.url, supervise: false, schedule: false});
		boss.on('error', () => {});
		await boss.start();
		await boss.createQueue('bench');
		const count = async (): Promise<number> => (await query<{n: number}>(server, "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bench' AND state = 'completed'"))[0]!.n;
		const before = await xacts(server);
		const started = performance.now();
		for (let i = 0; i < jobs; i += 1000) {
			await boss.insert(Array.from({length: Math.min(1000, jobs - i)}, () => ({name: 'bench', data: {}})));
		}

		await waitFor(count, n => n >= jobs, {timeout: 1_800_000, interval: 200, what: `${jobs} pg-boss jobs`});
		const seconds = (performance.now() - started) / 1000;
		const perJob = ((await xacts(server)) - before) / jobs;
		const latencies = await latency(
			server,
			async () => {
				await boss.send('bench', {lat: true});
			},
			"SELECT extract(epoch FROM started_on - created_on) * 1000 AS ms FROM pgboss.job WHERE name = 'bench' AND data ? 'lat' AND started_on IS NOT NULL",
		);
		const failover = await killBossWorker(server, workers, async () => {
			await boss.send('bench', {kill: true}, {expireInSeconds: 3, retryLimit: 2, retryDelay: 0});
		});
		await boss.stop({graceful: false, wait: false});
		return {'jobs/s': (jobs / seconds).toFixed(0), 'tx/job': perJob.toFixed(1), 'claim p50 ms': pct(latencies, 50).toFixed(0), 'claim p95 ms': pct(latencies, 95).toFixed(0), 'kill -9 → elsewhere ms': failover.toFixed(0)};
	} finally {
		for (const w of workers) {
			w.kill('SIGKILL');
		}
	}
}

const server = await startPostgres();
try {
	const results: Record<string, Record<string, string>> = {tm: await tmSide(server)};
	if (process.env['PGBOSS_DIR']) {
		results['pg-boss'] = await pgBossSide(server);
	}

	const columns = Object.keys(results['tm']!);
	const rows = Object.entries(results).map(([who, values]) => `| ${who} | ${columns.map(c => values[c]).join(' | ')} |`);
	process.stdout.write(`${jobs} jobs of true, 3 hosts × ${concurrency} slots, one PostgreSQL\n\n| | ${columns.join(' | ')} |\n|${'---|'.repeat(columns.length + 1)}\n${rows.join('\n')}\n`);
} finally {
	await server.close();
}
