/**
 * `taskmaster.cluster: {postgres: URL, name: HOST, lease: 30s, poll: 1s, password_file: PATH}`:
 * the daemon joins a cluster whose jobs are shared through PostgreSQL (docs/cluster.md). The URL
 * may not hold a password (config files are read by many): it comes from `password_file` or from
 * `PGPASSWORD` in the daemon's environment, and is never printed.
 */
import {err, ok, type Result} from '../errors.js';
import type {ClusterSpec} from '../model.js';
import {describe} from './describe.js';
import {nullable, parseText, type Parser} from './scalars.js';
import {readField, readMap, report, type Ctx, type Field} from './tree.js';
import {parseDuration} from './units.js';

const clusterKeys = ['postgres', 'name', 'lease', 'poll', 'password_file'] as const;

export const clusterDefaults = {leaseMs: 30_000, pollMs: 1000} as const;

/** The URL as written, less any password; the address it names for messages (`host:port/db`). */
export function parsePostgresUrl(value: unknown): Result<string, string> {
	const example = 'postgres://tm@db.example.org:5432/tm';
	if (typeof value !== 'string' || value.trim() === '') {
		return err(`expected a PostgreSQL URL like ${example}, got ${describe(value)}`);
	}

	let url: URL;
	try {
		url = new URL(value.trim());
	} catch {
		return err(`expected a PostgreSQL URL like ${example}`);
	}

	if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
		return err(`expected a URL starting postgres:// (like ${example}), got one starting ${url.protocol}//`);
	}

	if (url.password !== '') {
		// The value itself is not repeated: it holds the password.
		return err('the URL holds a password: take it out, and put it in a file named by cluster.password_file (mode 0600) or in PGPASSWORD');
	}

	if (url.hostname === '') {
		return err(`the URL names no host; expected one like ${example}`);
	}

	return ok(url.toString());
}

/** A member's name: letters, digits, '.', '_' and '-', at most 63. */
export const parseMemberName: Parser<string> = value =>
	typeof value === 'string' && /^[\w.-]{1,63}$/.test(value) ? ok(value) : err(`expected a host name of letters, digits, '.', '_' or '-' (at most 63), got ${describe(value)}`);

function atLeast(min: number, what: string): Parser<number> {
	return value => {
		const parsed = parseDuration(value);
		return parsed.ok && parsed.value < min ? err(`expected ${what} of at least ${min / 1000}s, got ${describe(value)}`) : parsed;
	};
}

/** Reads `cluster:` (absent or `off`: null). */
export function readCluster(ctx: Ctx, field: Field | undefined): ClusterSpec | null {
	if (field === undefined || field.value === null) {
		return null;
	}

	const fields = readMap(ctx, field.value, field.path, clusterKeys);
	if (fields === null) {
		return null;
	}

	const postgres = fields.get('postgres');
	if (postgres === undefined) {
		report(ctx, field.key, field.path, 'cluster needs postgres: a URL like postgres://tm@db.example.org:5432/tm');
		return null;
	}

	const url = readField(ctx, postgres, parsePostgresUrl);
	const leaseMs = readField(ctx, fields.get('lease'), atLeast(2000, 'a lease')) ?? clusterDefaults.leaseMs;
	const pollMs = readField(ctx, fields.get('poll'), atLeast(100, 'a poll interval')) ?? clusterDefaults.pollMs;
	const pollField = fields.get('poll');
	if (pollField !== undefined && pollMs * 2 > leaseMs) {
		report(ctx, pollField.value ?? pollField.key, pollField.path, `poll must be at most half the lease (${leaseMs / 1000}s)`);
	}

	// Every field is read (and reported) even when the URL is bad.
	const name = readField(ctx, fields.get('name'), parseMemberName) ?? null;
	const passwordFile = readField(ctx, fields.get('password_file'), nullable(parseText)) ?? null;
	return url === undefined ? null : {postgres: url, name, leaseMs, pollMs, passwordFile};
}
