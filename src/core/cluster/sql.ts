/**
 * The connection to PostgreSQL: node-postgres (`pg`), loaded only when `cluster:` is set, so a
 * daemon in no cluster never loads it. A pool for queries and one client that LISTENs. The
 * password comes from `password_file` or `PGPASSWORD` and is handed to pg alone: no message
 * tm writes holds it (pg's own errors never repeat it).
 */
import {readFileSync} from 'node:fs';
import type * as PgTypes from 'pg';
import type {Pool, PoolClient, Client, Notification} from 'pg';
import {messageOf, TmError} from '../errors.js';
import type {ClusterSpec} from '../model.js';

export type Row = Record<string, unknown>;

/** What the cluster code asks of PostgreSQL. */
export type Sql = {
	query<T extends Row = Row>(text: string, values?: unknown[]): Promise<T[]>;
	transaction<T>(work: (tx: Pick<Sql, 'query'>) => Promise<T>): Promise<T>;
	/** Queries sent so far (`tm hosts --json`, the benchmark's queries per job). */
	readonly queries: number;
	close(): Promise<void>;
};

/** Where the cluster is, for messages: `host:port/database`, never the password. */
export function whereOf(url: string): string {
	const parsed = new URL(url);
	return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** The password: the file's first line, else PGPASSWORD, else none (pg then tries ~/.pgpass). */
export function passwordOf(spec: ClusterSpec, env: Record<string, string | undefined>): string | undefined {
	if (spec.passwordFile !== null) {
		try {
			return readFileSync(spec.passwordFile, 'utf8').split('\n')[0]!.trimEnd();
		} catch (error) {
			throw new TmError('E_CLUSTER', `cluster.password_file: cannot read ${spec.passwordFile}: ${messageOf(error)} (a file holding the password, mode 0600)`);
		}
	}

	return env['PGPASSWORD'] === undefined || env['PGPASSWORD'] === '' ? undefined : env['PGPASSWORD'];
}

type PgModule = typeof PgTypes;

async function loadPg(): Promise<PgModule> {
	const loaded = (await import('pg')) as PgModule & {default?: PgModule};
	return loaded.default ?? loaded;
}

export type Connection = {sql: Sql; listen(channels: string[], heard: (channel: string, payload: string) => void, lost: (error: Error) => void): Promise<() => Promise<void>>};

/** A pool of `max` connections (none made yet: the first query connects). */
export async function connect(spec: ClusterSpec, env: Record<string, string | undefined>, max = 4): Promise<Connection> {
	const pg = await loadPg();
	const password = passwordOf(spec, env);
	const options = {connectionString: spec.postgres, password, connectionTimeoutMillis: Math.min(5000, spec.leaseMs / 2), application_name: 'tm'};
	const pool: Pool = new pg.Pool({...options, max, idleTimeoutMillis: 30_000});
	// An idle client that loses its server errors on the pool: the next query reconnects.
	pool.on('error', () => {});
	let queries = 0;
	const run = async <T extends Row>(client: Pool | PoolClient, text: string, values?: unknown[]): Promise<T[]> => {
		queries++;
		return (await client.query<T>(text, values)).rows;
	};

	const sql: Sql = {
		query: (text, values) => run(pool, text, values),
		async transaction(work) {
			const client = await pool.connect();
			try {
				await client.query('BEGIN');
				const result = await work({query: (text, values) => run(client, text, values)});
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch(() => {});
				throw error;
			} finally {
				client.release();
			}
		},
		get queries() {
			return queries;
		},
		close: () => pool.end(),
	};

	return {
		sql,
		async listen(channels, heard, lost) {
			const client: Client = new pg.Client(options);
			client.on('notification', (note: Notification) => heard(note.channel, note.payload ?? ''));
			client.on('error', lost);
			await client.connect();
			for (const channel of channels) {
				await client.query(`LISTEN ${channel}`);
			}

			return async () => {
				client.removeAllListeners('error');
				client.on('error', () => {});
				await client.end().catch(() => {});
			};
		},
	};
}
