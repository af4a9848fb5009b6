/**
 * A real PostgreSQL server for a test: Debian's `postgresql` binaries (installed by .ci/run),
 * initdb in a temp folder, `postgres` on 127.0.0.1 and a free port, one database made for the
 * test. PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (or
 * `nobody`) through `setpriv`, which execs, so the pid we hold is the postmaster's own and
 * `stop()` signals it by pid (SIGINT: fast shutdown). `stop()` then `start()` again keeps the
 * data (the fault tests stop the server mid-run). Missing binaries: `pgMissing` says why, and
 * the tests skip with it.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {freePort} from './ports.js';
import {alive, waitFor} from './wait.js';

function binDir(): string | null {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root).filter(v => existsSync(path.join(root, v, 'bin', 'postgres'))) : [];
	const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
	return newest === undefined ? null : path.join(root, newest, 'bin');
}

const bin = binDir();

/** Why no server can be started here (the tests skip), or null. */
export const pgMissing: string | null = bin === null ? 'PostgreSQL is not installed (apt-get install postgresql; .ci/run does)' : null;

/** Who runs the server: as root, a user of its own (uid, gid), else ourselves. */
function runAs(): {uid: number; gid: number} | null {
	if (process.getuid?.() !== 0) {
		return null;
	}

	for (const user of ['postgres', 'nobody']) {
		const id = spawnSync('id', ['-u', user], {encoding: 'utf8'});
		const gid = spawnSync('id', ['-g', user], {encoding: 'utf8'});
		if (id.status === 0 && gid.status === 0) {
			return {uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim())};
		}
	}

	throw new Error('running as root and neither the postgres nor the nobody user exists to run PostgreSQL');
}

function command(program: string, args: string[], user: {uid: number; gid: number} | null): [string, string[]] {
	const file = path.join(bin!, program);
	return user === null ? [file, args] : ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', file, ...args]];
}

export type PgServer = {
	/** postgres://tm@127.0.0.1:PORT/tm (no password: trust on loopback for the test). */
	url: string;
	port: number;
	database: string;
	dir: string;
	pid(): number | null;
	start(): Promise<void>;
	/** Fast shutdown by pid; resolves once the postmaster is gone. */
	stop(): Promise<void>;
	/** Stops the server and removes its folder. */
	close(): Promise<void>;
};

export async function startPostgres(): Promise<PgServer> {
	if (pgMissing !== null) {
		throw new Error(pgMissing);
	}

	const user = runAs();
	const dir = mkdtempSync(path.join(tmpdir(), 'tm-pg-'));
	const data = path.join(dir, 'data');
	if (user !== null) {
		chownSync(dir, user.uid, user.gid);
	}

	const [initdb, initArgs] = command('initdb', ['-D', data, '-U', 'tm', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], user);
	const init = spawnSync(initdb, initArgs, {encoding: 'utf8', cwd: dir});
	if (init.status !== 0) {
		throw new Error(`initdb failed: ${init.stderr}`);
	}

	writeFileSync(path.join(data, 'postgresql.auto.conf'), 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n');
	if (user !== null) {
		chownSync(path.join(data, 'postgresql.auto.conf'), user.uid, user.gid);
	}

	const port = await freePort();
	let child: ChildProcess | null = null;
	const pid = (): number | null => (child?.pid !== undefined && alive(child.pid) ? child.pid : null);
	const server: PgServer = {
		url: `postgres://tm@127.0.0.1:${port}/tm`,
		port,
		database: 'tm',
		dir,
		pid,
		async start() {
			const [postgres, args] = command('postgres', ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], user);
			child = spawn(postgres, args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']});
			let stderr = '';
			child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
			await waitFor(
				() => (pid() === null ? 'exited' : ready(port)),
				state => state !== 'no',
				{timeout: 30_000, interval: 50, what: `PostgreSQL on port ${port}`},
			).then(state => {
				if (state === 'exited') {
					throw new Error(`PostgreSQL exited at start: ${stderr}`);
				}
			});
		},
		async stop() {
			const running = pid();
			if (running === null) {
				return;
			}

			process.kill(running, 'SIGINT');
			await waitFor(() => alive(running), up => !up, {timeout: 30_000, what: `PostgreSQL (pid ${running}) to stop`});
		},
		async close() {
			await server.stop();
			rmSync(dir, {recursive: true, force: true});
		},
	};
	await server.start();
	await createDatabase(port, 'tm');
	return server;
}

/** 'yes' once a connection is accepted (pg_isready's answer). */
function ready(port: number): 'yes' | 'no' {
	const probe = spawnSync(path.join(bin!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'tm', '-d', 'postgres', '-q'], {timeout: 5000});
	return probe.status === 0 ? 'yes' : 'no';
}

async function createDatabase(port: number, name: string): Promise<void> {
	const {default: pg} = await import('pg');
	const client = new pg.Client({host: '127.0.0.1', port, user: 'tm', database: 'postgres'});
	await client.connect();
	try {
		await client.query(`CREATE DATABASE ${name}`);
	} finally {
		await client.end();
	}
}
