/**
 * What any member asks of the cluster's jobs for a person: the list, one job, cancel, retry and
 * the queue's depth. A cancel of a queued job ends it at once; of a running one it is a request
 * (`cancel_requested`) the owner acts on at its next renewal, woken by a notification.
 */
import type {PriorityDepth} from '../ipc/queue-docs.js';
import {channels, notify, type JobRow} from './queries.js';
import type {Sql} from './sql.js';

const columns = `id, seq::text AS seq, name, params, priority, pin, after, state, attempt, max_attempts, owner, token::text AS token, lease_until, run_at, run_at > now() AS delayed,
	checkpoint, cancel_requested, exit_code, reason, submitted_by, created_at, started_at, ended_at, completions, pause_requested, paused_at, fail_reason`;

/** Jobs, newest last; `states` narrows them; at most `limit`. */
export async function listJobs(sql: Sql, states: string[] | null, limit = 1000): Promise<JobRow[]> {
	return sql.query<JobRow>(`SELECT ${columns} FROM tm_cluster.jobs WHERE ($1::text[] IS NULL OR state = ANY($1)) ORDER BY seq DESC LIMIT $2`, [states, limit]).then(rows => rows.reverse());
}

/** The jobs a name means: its id, or every job of that name (newest first). */
export async function findJobs(sql: Sql, name: string): Promise<JobRow[]> {
	return sql.query<JobRow>(`SELECT ${columns} FROM tm_cluster.jobs WHERE id = $1 OR name = $1 ORDER BY seq DESC LIMIT 50`, [name]);
}

export type Acted = {id: string; state: string; owner: string | null} | null;

/** Cancels a queued job, or asks its owner to stop a running one; null when it had finished. */
export async function cancelJob(sql: Sql, id: string, by: string): Promise<Acted> {
	const rows = await sql.query<{id: string; state: string; owner: string | null}>(
		`UPDATE tm_cluster.jobs SET
			state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
			ended_at = CASE WHEN state = 'queued' THEN now() ELSE ended_at END,
			cancel_requested = (state = 'running'),
			reason = CASE WHEN state = 'queued' THEN 'cancelled from ' || $2 ELSE reason END
		WHERE id = $1 AND state IN ('queued', 'running') RETURNING id, state, owner`,
		[id, by],
	);
	const row = rows[0] ?? null;
	if (row?.owner) {
		await notify(sql, channels.control, row.owner);
	}

	return row;
}

/** Queues a failed, cancelled or dead job again (a new attempt count); null when it is not one of those. */
export async function retryJob(sql: Sql, id: string, by: string, delayMs = 0): Promise<Acted> {
	const rows = await sql.query<{id: string; state: string; owner: string | null}>(
		`UPDATE tm_cluster.jobs SET state = 'queued', attempt = 0, owner = NULL, run_at = now() + $3 * interval '1 millisecond', ended_at = NULL, exit_code = NULL,
			cancel_requested = false, reason = 'retried from ' || $2
		WHERE id = $1 AND state IN ('failed', 'cancelled', 'dead') RETURNING id, state, owner`,
		[id, by, delayMs],
	);
	if (rows.length > 0) {
		await notify(sql, channels.jobs, '');
	}

	return rows[0] ?? null;
}

/** Queued jobs by priority (the queue's depth), and running ones by owner. */
export async function depth(sql: Sql): Promise<{queued: PriorityDepth; running: Array<{owner: string; count: number}>}> {
	const rows = await sql.query<{kind: string; key: string; count: number}>(
		`SELECT 'queued' AS kind, priority::text AS key, count(*)::int AS count FROM tm_cluster.jobs WHERE state = 'queued' GROUP BY priority
		UNION ALL SELECT 'running', owner, count(*)::int FROM tm_cluster.jobs WHERE state = 'running' GROUP BY owner`,
	);
	return {
		queued: rows.filter(r => r.kind === 'queued').map(r => ({priority: Number(r.key), count: r.count})),
		running: rows.filter(r => r.kind === 'running').map(r => ({owner: r.key, count: r.count})),
	};
}
