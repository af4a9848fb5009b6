/**
 * What a person asks, from any member, of a cluster job another member may run: pause, resume,
 * fail, and its log tail. A queued job is acted on here and now; a running one gets a request in
 * its row (schema 2) that its owner reads at its next renewal, woken by a NOTIFY on tm_control
 * naming it (polling every lease/3 is the backstop). Requests are levels, not edges: a lost
 * notification, or an owner that was busy, still sees the request at the next renewal.
 */
import {channels, notify} from './queries.js';
import type {Sql} from './sql.js';

export type Asked = {id: string; state: string; owner: string | null; paused: boolean};

const returning = 'RETURNING id, state, owner, paused_at IS NOT NULL AS paused';

/** Asks the owner of a running job to freeze (`pause`) or thaw its copy; null when the job is not running. */
export async function askPause(sql: Sql, id: string, pause: boolean, by: string): Promise<Asked | null> {
	const rows = await sql.query<Asked>(
		`UPDATE tm_cluster.jobs SET pause_requested = $2, reason = CASE WHEN $2 THEN 'pause asked from ' ELSE 'resume asked from ' END || $3
		WHERE id = $1 AND state = 'running' ${returning}`,
		[id, pause, by],
	);
	return wake(sql, rows[0] ?? null);
}

/**
 * `tm fail` (seed 003's MoveToDeadLetter): a queued job is dead now; a running one's owner is
 * asked to stop it and write it dead. `detail` (`from m1: disk full`) follows "failed by hand"
 * in its reason. Null when it had already ended.
 */
export async function askFail(sql: Sql, id: string, detail: string): Promise<Asked | null> {
	const rows = await sql.query<Asked>(
		`UPDATE tm_cluster.jobs SET
			state = CASE WHEN state = 'queued' THEN 'dead' ELSE state END,
			ended_at = CASE WHEN state = 'queued' THEN now() ELSE ended_at END,
			reason = CASE WHEN state = 'queued' THEN 'failed by hand ' || $2 ELSE reason END,
			fail_reason = CASE WHEN state = 'running' THEN $2 ELSE NULL END
		WHERE id = $1 AND state IN ('queued', 'running') ${returning}`,
		[id, detail],
	);
	return wake(sql, rows[0] ?? null);
}

/** Asks the owner of a running job to ship its log tail (job-logs.ts); false when it is not running. */
export async function askLogs(sql: Sql, id: string): Promise<boolean> {
	const rows = await sql.query<Asked>(`UPDATE tm_cluster.jobs SET logs_wanted_at = now() WHERE id = $1 AND state = 'running' ${returning}`, [id]);
	return (await wake(sql, rows[0] ?? null)) !== null;
}

/** A running job's owner is woken to renew now (member.ts hears its name on tm_control). */
async function wake(sql: Sql, row: Asked | null): Promise<Asked | null> {
	if (row?.state === 'running' && row.owner !== null) {
		await notify(sql, channels.control, row.owner);
	}

	return row;
}
