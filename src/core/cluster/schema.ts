/**
 * tm's schema in PostgreSQL (`tm_cluster`), as an append-only list of steps keyed by the version
 * in `tm_cluster.meta`, like tm.db's (store/migrations.ts). Every member runs `migrate` at start
 * under one advisory lock, so members starting together migrate once; a schema newer than this
 * tm knows is refused, untouched. Never edit a step that has shipped: append one.
 */
import {TmError} from '../errors.js';
import type {Sql} from './sql.js';

/** The advisory lock key members migrate under ('tm21' in ASCII). */
const migrateLock = 0x746d3231;

const v1 = `
CREATE SEQUENCE tm_cluster.tokens;
CREATE SEQUENCE tm_cluster.job_seq;

CREATE TABLE tm_cluster.hosts (
	name text PRIMARY KEY,
	version text NOT NULL,
	pid integer NOT NULL,
	started_at timestamptz NOT NULL,
	last_seen timestamptz NOT NULL,
	slots_used integer NOT NULL DEFAULT 0,
	capacity integer NOT NULL,
	claims integer NOT NULL DEFAULT 0,
	left_at timestamptz
);

CREATE TABLE tm_cluster.jobs (
	id text PRIMARY KEY,
	seq bigint NOT NULL DEFAULT nextval('tm_cluster.job_seq'),
	name text NOT NULL,
	params jsonb NOT NULL,
	priority integer NOT NULL DEFAULT 0,
	pin text,
	after text[] NOT NULL DEFAULT '{}',
	state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'dead')),
	run_at timestamptz NOT NULL DEFAULT now(),
	attempt integer NOT NULL DEFAULT 0,
	max_attempts integer NOT NULL,
	owner text,
	token bigint,
	lease_until timestamptz,
	checkpoint text,
	cancel_requested boolean NOT NULL DEFAULT false,
	exit_code integer,
	reason text NOT NULL,
	submitted_by text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz,
	ended_at timestamptz,
	completions integer NOT NULL DEFAULT 0
);
CREATE INDEX jobs_ready ON tm_cluster.jobs (priority DESC, seq) WHERE state = 'queued';
CREATE INDEX jobs_leases ON tm_cluster.jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_owner ON tm_cluster.jobs (owner) WHERE state = 'running';
CREATE INDEX jobs_name ON tm_cluster.jobs (name);
`;

/**
 * Control from any member (issue 21 item 4): what a person asked of a running job's owner, which
 * the owner reads at each renewal (woken by NOTIFY on tm_control), and what it reports back.
 * `pause_requested`: the state a person wants (level, not edge: a lost notification is mended at
 * the next renewal); `paused_at`: the owner's copy is frozen since then (null: it runs);
 * `fail_reason`: `tm fail` of a running job, the owner stops it and writes it `dead` with this;
 * `logs_wanted_at`: `tm logs` elsewhere asks the owner to ship its tail into `job_logs`, where
 * an owner also leaves the tail of every job it finishes.
 */
const v2 = `
ALTER TABLE tm_cluster.jobs ADD COLUMN pause_requested boolean NOT NULL DEFAULT false;
ALTER TABLE tm_cluster.jobs ADD COLUMN paused_at timestamptz;
ALTER TABLE tm_cluster.jobs ADD COLUMN fail_reason text;
ALTER TABLE tm_cluster.jobs ADD COLUMN logs_wanted_at timestamptz;

CREATE TABLE tm_cluster.job_logs (
	id text PRIMARY KEY REFERENCES tm_cluster.jobs (id) ON DELETE CASCADE,
	token bigint NOT NULL,
	host text NOT NULL,
	lines jsonb NOT NULL,
	final boolean NOT NULL,
	shipped_at timestamptz NOT NULL
);
`;

/** `steps[i]` takes the schema from version `i` to `i + 1`. */
export const steps: readonly string[] = [v1, v2];

export const schemaVersion = steps.length;

/** Creates or migrates tm's schema; refuses one newer than this tm's. Returns the version. */
export async function migrate(sql: Sql): Promise<number> {
	return sql.transaction(async tx => {
		await tx.query('SELECT pg_advisory_xact_lock($1)', [migrateLock]);
		await tx.query('CREATE SCHEMA IF NOT EXISTS tm_cluster');
		await tx.query('CREATE TABLE IF NOT EXISTS tm_cluster.meta (key text PRIMARY KEY, value text NOT NULL)');
		const rows = await tx.query<{value: string}>("SELECT value FROM tm_cluster.meta WHERE key = 'schema_version'");
		const current = rows.length === 0 ? 0 : Number(rows[0]!.value);
		if (current > schemaVersion) {
			throw new TmError(
				'E_CLUSTER',
				`cluster: the PostgreSQL schema tm_cluster is at version ${current}, newer than this tm knows (${schemaVersion}): a newer tm made it; upgrade tm on this host (nothing was changed)`,
			);
		}

		for (let version = current; version < schemaVersion; version++) {
			await tx.query(steps[version]!);
		}

		await tx.query("INSERT INTO tm_cluster.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = $1", [String(schemaVersion)]);
		return schemaVersion;
	});
}
