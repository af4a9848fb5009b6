/**
 * A cluster job's log tail in PostgreSQL (`tm_cluster.job_logs`, one row per job): how `tm logs`
 * reads a job another member runs or ran. Members keep no address of each other and open no
 * port: the owner ships its copy's last {@link shipLines} lines when it finishes the job (with
 * its outcome), and while it runs when a member asks (asks.ts's `askLogs`). The full files stay
 * on the owner (`tm logs` there). Every write names the claim's token: a copy that lost its
 * claim cannot overwrite the new owner's tail.
 */
import type {LogLineDoc} from '../ipc/methods.js';
import type {Sql} from './sql.js';

/** Lines shipped per job: enough for `tm logs -n 200` and the dashboard, small next to a row. */
export const shipLines = 1000;

export type Shipped = {id: string; token: string; lines: LogLineDoc[]};

/** Writes tails under their tokens (`final`: the copy ended); the asks they answer are cleared. */
export async function putLogs(sql: Pick<Sql, 'query'>, host: string, tails: Shipped[], final: boolean): Promise<void> {
	if (tails.length === 0) {
		return;
	}

	await sql.query(
		`WITH s AS (
			UPDATE tm_cluster.jobs j SET logs_wanted_at = NULL
			FROM unnest($1::text[], $2::bigint[], $3::jsonb[]) AS o(id, token, lines)
			WHERE j.id = o.id AND j.token = o.token RETURNING j.id, o.token, o.lines)
		INSERT INTO tm_cluster.job_logs (id, token, host, lines, final, shipped_at) SELECT id, token, $4, lines, $5, now() FROM s
		ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, host = EXCLUDED.host, lines = EXCLUDED.lines, final = EXCLUDED.final, shipped_at = EXCLUDED.shipped_at`,
		[tails.map(t => t.id), tails.map(t => t.token), tails.map(t => JSON.stringify(t.lines)), host, final],
	);
}

export type StoredLogs = {token: string; host: string; lines: LogLineDoc[]; final: boolean; shippedAt: Date};

/** The tail last shipped for a job, or null. */
export async function readLogs(sql: Sql, id: string): Promise<StoredLogs | null> {
	const rows = await sql.query<{token: string; host: string; lines: LogLineDoc[]; final: boolean; shipped_at: Date}>(
		'SELECT token::text AS token, host, lines, final, shipped_at FROM tm_cluster.job_logs WHERE id = $1',
		[id],
	);
	const row = rows[0];
	return row === undefined ? null : {token: row.token, host: row.host, lines: row.lines, final: row.final, shippedAt: row.shipped_at};
}

/** `lines` of `stream` from a shipped tail, as the `logs` method answers them. */
export function pickLines(lines: LogLineDoc[], count: number, stream: 'stdout' | 'stderr' | 'both' | undefined): LogLineDoc[] {
	const wanted = stream === undefined || stream === 'both' ? lines : lines.filter(line => line.stream === stream);
	return count <= 0 ? [] : wanted.slice(-count);
}
