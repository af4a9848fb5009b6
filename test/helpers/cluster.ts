/**
 * Cluster tests: N daemons (`tm up --foreground`, each in a home of its own) as N members of one
 * cluster on the test's PostgreSQL (postgres.ts), a CLI per member, and SQL on the cluster's
 * tables for the facts the tests check. Every daemon is killed by its pid at the end.
 */
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before} from 'node:test';
import pg from 'pg';
import {tm, type CliResult} from './cli.js';
import {tempDir} from './harness.js';
import {connect, type Sql} from '../../src/core/cluster/sql.js';
import {pgMissing, startPostgres, type PgServer} from './postgres.js';
import {killPids} from './procs.js';
import {killAllTm, runTm, type TmProcess} from './tm-process.js';
import {alive, waitFor} from './wait.js';

export type Host = {
	name: string;
	dir: string;
	proc: TmProcess;
	cli(...args: string[]): Promise<CliResult>;
	/** `tm … --json` parsed; fails with the output when it did not exit 0. */
	json<T>(...args: string[]): Promise<T>;
};

export type HostOptions = {lease?: string; poll?: string; maxRunning?: number; httpPort?: number};

export function clusterConfig(url: string, name: string, {lease = '3s', poll = '250ms', maxRunning = 2, httpPort}: HostOptions = {}): string {
	const http = httpPort === undefined ? '' : `  http: 127.0.0.1:${httpPort}\n`;
	return `taskmaster:\n${http}  max_running: ${maxRunning}\n  cluster: {postgres: "${url}", name: ${name}, lease: ${lease}, poll: ${poll}}\nprograms: {}\n`;
}

/** Starts a member and waits until it answers and has joined (its status says the cluster is reachable). */
export async function startHost(server: PgServer, name: string, options: HostOptions = {}, dir = tempDir()): Promise<Host> {
	writeFileSync(path.join(dir, 'tm.yaml'), clusterConfig(server.url, name, options));
	const home = path.join(dir, 'home');
	const proc = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]): Promise<CliResult> => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
	const json = async <T>(...args: string[]): Promise<T> => {
		const result = await cli(...args, '--json');
		if (result.code !== 0) {
			throw new Error(`tm ${args.join(' ')} exited ${result.code}: ${result.err}${result.out}`);
		}

		return JSON.parse(result.out) as T;
	};

	await waitFor(
		async () => {
			if (!alive(proc.pid)) {
				throw new Error(`daemon ${name} exited: ${proc.stderr()}`);
			}

			const status = await cli('status', '--json');
			return status.code === 0 ? ((JSON.parse(status.out) as {daemon: {cluster?: {reachable: boolean}}}).daemon.cluster?.reachable ?? false) : false;
		},
		joined => joined,
		{timeout: 30_000, interval: 100, what: `${name} to join the cluster`},
	);
	return {name, dir, proc, cli, json};
}

/** One query on the test's PostgreSQL. */
export async function query<T = Record<string, unknown>>(server: PgServer, text: string, values?: unknown[]): Promise<T[]> {
	const client = new pg.Client({connectionString: server.url});
	await client.connect();
	try {
		return (await client.query(text, values)).rows as T[];
	} finally {
		await client.end();
	}
}

export type JobFacts = {id: string; name: string; state: string; owner: string | null; token: string | null; attempt: number; completions: number; reason: string};

export async function jobs(server: PgServer): Promise<JobFacts[]> {
	return query<JobFacts>(server, 'SELECT id, name, state, owner, token::text AS token, attempt, completions, reason FROM tm_cluster.jobs ORDER BY seq');
}

/** Pids of processes whose environment holds `marker` (a job of a member whose home is in the test's folder). */
export function pidsWithEnv(marker: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
		try {
			if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) {
				pids.push(Number(entry));
			}
		} catch {
			// gone, or not ours to read
		}
	}

	return pids;
}

/** Kills every daemon started, and every job process they left (found by the test folders in their environment). */
export function stopHosts(hosts: Host[] = []): void {
	killAllTm();
	for (const host of hosts) {
		killPids(pidsWithEnv(host.dir));
	}
}

/** Inserts `count` jobs at once, straight into the queue (what `tm run --cluster` inserts, without a CLI per job), and wakes the members. */
export async function insertJobs(server: PgServer, count: number, argv: string[], cwd: string, prefix = 'c-bulk'): Promise<void> {
	await query(
		server,
		`INSERT INTO tm_cluster.jobs (id, name, params, max_attempts, submitted_by, reason)
		SELECT $1 || '-' || n, $1 || '-' || n, $2::jsonb, 5, 'test', 'submitted by the test' FROM generate_series(1, $3) AS n`,
		[prefix, JSON.stringify({argv, cwd}), count],
	);
	await query(server, "SELECT pg_notify('tm_jobs', '')");
}

export type Cluster = {server: PgServer; hosts: Host[]};

/**
 * A test file's cluster: its PostgreSQL and members started before its tests (when `start`,
 * by default when PostgreSQL is there), and after them every process stopped, a member left
 * stopped (SIGSTOP) being continued first so it dies with the rest.
 */
export function useCluster(names: string[], options: (name: string) => HostOptions, start = pgMissing === null): Cluster {
	const cluster = {hosts: []} as unknown as Cluster;
	before(async () => {
		if (start) {
			cluster.server = await startPostgres();
			cluster.hosts = await Promise.all(names.map(name => startHost(cluster.server, name, options(name))));
		}
	});
	after(async () => {
		for (const host of cluster.hosts) {
			try {
				process.kill(host.proc.pid, 'SIGCONT');
			} catch {
				// gone
			}
		}

		stopHosts(cluster.hosts);
		await cluster.server?.close();
	});
	return cluster;
}

export type ClusterSql = {server: PgServer; sql: Sql};

/** A test file's PostgreSQL and one connection to it as member `name`, for tests of the SQL itself (`ready` runs on it first); both closed after its tests. */
export function useClusterSql(name: string, ready?: (sql: Sql) => Promise<void>): ClusterSql {
	const fixture = {} as ClusterSql;
	before(async () => {
		if (pgMissing === null) {
			fixture.server = await startPostgres();
			fixture.sql = (await connect({postgres: fixture.server.url, name, leaseMs: 2000, pollMs: 100, passwordFile: null}, {})).sql;
			await ready?.(fixture.sql);
		}
	});
	after(async () => {
		await fixture.sql?.close();
		await fixture.server?.close();
	});
	return fixture;
}
