/**
 * The members' table (`tm hosts`): a member registers at start, beats every renewal with its
 * slots and claims, and leaves on a clean stop. A member is `alive` while its last beat is
 * younger than the lease (PostgreSQL's clock), `left` after a clean stop, else `lost`.
 */
import type {Sql} from './sql.js';

export type MemberRow = {
	name: string;
	version: string;
	pid: number;
	started_at: Date;
	last_seen: Date;
	slots_used: number;
	capacity: number;
	claims: number;
	left_at: Date | null;
	state: 'alive' | 'lost' | 'left';
};

export type Beat = {name: string; version: string; pid: number; slotsUsed: number; capacity: number; claims: number};

/** Registers (or re-registers) `name`; returns how long ago another process under that name was last seen, if it was within the lease. */
export async function register(sql: Sql, beat: Beat, leaseMs: number): Promise<number | null> {
	const before = await sql.query<{ago: number}>(
		`SELECT (extract(epoch FROM now() - last_seen) * 1000)::float8 AS ago FROM tm_cluster.hosts
		WHERE name = $1 AND left_at IS NULL AND pid <> $2 AND last_seen > now() - $3 * interval '1 millisecond'`,
		[beat.name, beat.pid, leaseMs],
	);
	await sql.query(
		`INSERT INTO tm_cluster.hosts (name, version, pid, started_at, last_seen, slots_used, capacity, claims)
		VALUES ($1, $2, $3, now(), now(), $4, $5, $6)
		ON CONFLICT (name) DO UPDATE SET version = $2, pid = $3, started_at = now(), last_seen = now(), slots_used = $4, capacity = $5, claims = $6, left_at = NULL`,
		[beat.name, beat.version, beat.pid, beat.slotsUsed, beat.capacity, beat.claims],
	);
	return before[0]?.ago ?? null;
}

export async function heartbeat(sql: Sql, beat: Beat): Promise<void> {
	await sql.query('UPDATE tm_cluster.hosts SET last_seen = now(), slots_used = $2, capacity = $3, claims = $4, left_at = NULL WHERE name = $1', [
		beat.name,
		beat.slotsUsed,
		beat.capacity,
		beat.claims,
	]);
}

export async function leave(sql: Sql, name: string): Promise<void> {
	await sql.query('UPDATE tm_cluster.hosts SET left_at = now(), slots_used = 0, claims = 0 WHERE name = $1', [name]);
}

export async function members(sql: Sql, leaseMs: number): Promise<MemberRow[]> {
	return sql.query<MemberRow>(
		`SELECT name, version, pid, started_at, last_seen, slots_used, capacity, claims, left_at,
			CASE WHEN left_at IS NOT NULL THEN 'left' WHEN last_seen > now() - $1 * interval '1 millisecond' THEN 'alive' ELSE 'lost' END AS state
		FROM tm_cluster.hosts ORDER BY name`,
		[leaseMs],
	);
}
