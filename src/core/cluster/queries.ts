/**
 * Every statement tm sends to PostgreSQL about cluster jobs and members, with PostgreSQL's clock
 * for every lease (one clock for all hosts: no skew between members decides a takeover). A
 * write by a member about a claimed job names the claim's fencing token (`token`): a row whose
 * token has moved on (the job was taken over and claimed again) is not touched, and the member
 * learns from the empty answer that its claim is gone.
 */
import type {LogLineDoc} from '../ipc/methods.js';
import type {Row, Sql} from './sql.js';

/** A job as tm_cluster.jobs holds it. */
export type JobRow = {
	id: string;
	seq: string;
	name: string;
	params: Record<string, unknown>;
	priority: number;
	pin: string | null;
	after: string[];
	state: ClusterState;
	attempt: number;
	max_attempts: number;
	owner: string | null;
	token: string | null;
	lease_until: Date | null;
	run_at: Date;
	/** Not claimable yet (`run_at` after PostgreSQL's now: --delay, --at, retry --delay); set by the reads of control.ts. */
	delayed?: boolean;
	checkpoint: string | null;
	cancel_requested: boolean;
	exit_code: number | null;
	reason: string;
	submitted_by: string;
	created_at: Date;
	started_at: Date | null;
	ended_at: Date | null;
	completions: number;
	/** Schema 2: a person wants it paused; the owner's copy is frozen since `paused_at`; `tm fail` asked of a running one. */
	pause_requested: boolean;
	paused_at: Date | null;
	fail_reason: string | null;
};

export type ClusterState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'dead';

export const channels = {jobs: 'tm_jobs', control: 'tm_control'} as const;

const ms = "* interval '1 millisecond'";

/** The job's own columns, for a new row. */
export type NewJob = {id: string; name: string; params: unknown; priority: number; pin: string | null; after: string[]; maxAttempts: number; submittedBy: string; delayMs?: number};

export async function insertJob(sql: Sql, job: NewJob): Promise<void> {
	await sql.query(
		`INSERT INTO tm_cluster.jobs (id, name, params, priority, pin, after, max_attempts, submitted_by, reason, run_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted by ' || $8, now() + $9 * interval '1 millisecond')`,
		[job.id, job.name, JSON.stringify(job.params), job.priority, job.pin, job.after, job.maxAttempts, job.submittedBy, job.delayMs ?? 0],
	);
	await notify(sql, channels.jobs, '');
}

export async function notify(sql: Pick<Sql, 'query'>, channel: string, payload: string): Promise<void> {
	await sql.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** A claimed job: what the member needs to run it. */
export type Claimed = Pick<JobRow, 'id' | 'name' | 'params' | 'token' | 'attempt' | 'checkpoint'>;

/**
 * Up to `count` jobs for `host`: queued, due, not pinned elsewhere, every `--after` met (a job
 * of that id or name completed), highest priority first, FIFO among equals; each gets a new
 * token and a lease of `leaseMs`.
 */
export async function claim(sql: Sql, host: string, count: number, leaseMs: number): Promise<Claimed[]> {
	return sql.query<Claimed & Row>(
		`WITH c AS (
			SELECT j.id FROM tm_cluster.jobs j
			WHERE j.state = 'queued' AND j.run_at <= now() AND (j.pin IS NULL OR j.pin = $1)
			AND NOT EXISTS (SELECT 1 FROM unnest(j.after) AS a(key)
				WHERE NOT EXISTS (SELECT 1 FROM tm_cluster.jobs d WHERE (d.id = a.key OR d.name = a.key) AND d.state = 'completed'))
			ORDER BY j.priority DESC, j.seq LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE tm_cluster.jobs j SET state = 'running', owner = $1, token = nextval('tm_cluster.tokens'), attempt = j.attempt + 1,
			lease_until = now() + $3 ${ms}, started_at = now(), ended_at = NULL, exit_code = NULL, cancel_requested = false, reason = 'claimed by ' || $1,
			pause_requested = false, paused_at = NULL, fail_reason = NULL, logs_wanted_at = NULL
		FROM c WHERE j.id = c.id
		RETURNING j.id, j.name, j.params, j.token::text AS token, j.attempt, j.checkpoint`,
		[host, count, leaseMs],
	);
}

/** One held claim, as renewed: its latest checkpoint, whether its copy is frozen (paused) now, and a pause taken here to adopt as the wanted one (owner.ts). */
export type Held = {id: string; token: string; checkpoint: string | null; paused?: boolean; adopt?: boolean | null};

/** What the renewal answers of a claim still ours: what persons asked of it from any member. */
export type Asked = {id: string; cancel_requested: boolean; pause_requested: boolean; fail_reason: string | null; logs_wanted: boolean};

/** Renews the leases still ours (a paused copy's too: it is held, not lost); the answer lists them (a claim missing from it is lost) and what was asked of each. */
export async function renew(sql: Sql, held: Held[], leaseMs: number): Promise<Asked[]> {
	if (held.length === 0) {
		return [];
	}

	return sql.query(
		`UPDATE tm_cluster.jobs j SET lease_until = now() + $4 ${ms}, checkpoint = COALESCE(o.checkpoint, j.checkpoint),
			paused_at = CASE WHEN o.paused THEN COALESCE(j.paused_at, now()) ELSE NULL END, pause_requested = COALESCE(o.adopt, j.pause_requested)
		FROM unnest($1::text[], $2::bigint[], $3::text[], $5::boolean[], $6::boolean[]) AS o(id, token, checkpoint, paused, adopt)
		WHERE j.id = o.id AND j.token = o.token AND j.state = 'running'
		RETURNING j.id, j.cancel_requested, j.pause_requested, j.fail_reason, j.logs_wanted_at IS NOT NULL AS logs_wanted`,
		[held.map(h => h.id), held.map(h => h.token), held.map(h => h.checkpoint), leaseMs, held.map(h => h.paused === true), held.map(h => h.adopt ?? null)],
	);
}

/** What a member writes when its copy of a job ends: an outcome, or `queued` to give the job back. */
export type Outcome = {
	id: string;
	token: string;
	/** `dead`: `tm fail` of a running job, acted on by its owner. */
	state: 'completed' | 'failed' | 'cancelled' | 'dead' | 'queued';
	exitCode: number | null;
	reason: string;
	checkpoint: string | null;
	/** The copy's last log lines, shipped with the outcome (job-logs.ts). */
	lines?: LogLineDoc[];
};

/**
 * Writes outcomes under their tokens; returns the ids written (the others were stale: the job
 * was taken over). A failed job with attempts left is queued again; past `max_attempts` it is
 * dead (the dead letters).
 */
export async function finish(sql: Sql, outcomes: Outcome[]): Promise<string[]> {
	if (outcomes.length === 0) {
		return [];
	}

	const rows = await sql.query<{id: string; name: string; state: string}>(
		`UPDATE tm_cluster.jobs j SET
			state = CASE WHEN o.state = 'queued' AND j.attempt >= j.max_attempts THEN 'dead' ELSE o.state END,
			exit_code = o.exit_code, reason = o.reason, checkpoint = COALESCE(o.checkpoint, j.checkpoint), lease_until = NULL,
			ended_at = CASE WHEN o.state = 'queued' THEN NULL ELSE now() END,
			owner = CASE WHEN o.state = 'queued' THEN NULL ELSE j.owner END,
			completions = j.completions + (o.state = 'completed')::int,
			pause_requested = false, paused_at = NULL, logs_wanted_at = NULL
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[]) AS o(id, token, state, exit_code, reason, checkpoint)
		WHERE j.id = o.id AND j.token = o.token AND j.state = 'running'
		RETURNING j.id, j.name, o.state`,
		[outcomes.map(o => o.id), outcomes.map(o => o.token), outcomes.map(o => o.state), outcomes.map(o => o.exitCode), outcomes.map(o => o.reason), outcomes.map(o => o.checkpoint)],
	);
	// Members are woken only when a job went back to the queue, or one that waits `--after` it may start.
	const keys = rows.flatMap(row => [row.id, row.name]);
	await sql.query(
		`SELECT pg_notify('${channels.jobs}', '') WHERE $1 OR EXISTS (SELECT 1 FROM tm_cluster.jobs WHERE state = 'queued' AND after && $2::text[])`,
		[rows.some(row => row.state === 'queued'), keys],
	);
	return rows.map(row => row.id);
}

/**
 * Takes over every claim whose lease ran out (its host died, stopped or lost PostgreSQL): the
 * job is queued again with its attempt counted and its last checkpoint, or dead past its
 * attempts. Any live member runs it; returns how many.
 */
export async function takeOver(sql: Sql, by: string): Promise<number> {
	const rows = await sql.query(
		`UPDATE tm_cluster.jobs SET state = CASE WHEN fail_reason IS NOT NULL OR attempt >= max_attempts THEN 'dead' ELSE 'queued' END, owner = NULL, lease_until = NULL,
			paused_at = NULL, pause_requested = false, logs_wanted_at = NULL, ended_at = CASE WHEN fail_reason IS NOT NULL THEN now() ELSE ended_at END,
			reason = CASE WHEN fail_reason IS NOT NULL THEN 'failed by hand ' || fail_reason || ' (its owner ' || owner || ' was lost before it stopped it)'
				ELSE 'the lease of ' || owner || ' (token ' || token || ') ran out; taken over by ' || $1 END
		WHERE state = 'running' AND lease_until < now() RETURNING id`,
		[by],
	);
	if (rows.length > 0) {
		await notify(sql, channels.jobs, '');
	}

	return rows.length;
}
