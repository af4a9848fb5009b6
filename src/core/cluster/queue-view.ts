/**
 * `tm queue --cluster` (seed 003's Peek and GetQueueDepth): the queued jobs in the order a member
 * claims them (claim's own order: due and every `--after` met first, then highest priority,
 * FIFO among equals), each with why it waits; the depth by priority; the alive members' slots.
 * Read from any member in three statements; a member's unclaimed capacity is not known here
 * (each member checks a job's requests when it claims it).
 */
import type {ClusterQueueDoc, ClusterQueueEntryDoc} from '../ipc/cluster-docs.js';
import type {RunParams} from '../ipc/methods.js';
import {depth} from './control.js';
import {members} from './members.js';
import {requestsOf} from './requests.js';
import type {Sql} from './sql.js';

type Waiting = {id: string; name: string; params: RunParams; priority: number; pin: string | null; run_at: Date; delayed: boolean; created_at: Date; reason: string; unmet: string[]};

/** At most this many entries (the depth counts them all). */
export const queueLimit = 1000;

export async function clusterQueue(sql: Sql, leaseMs: number): Promise<ClusterQueueDoc> {
	const rows = await sql.query<Waiting>(
		`SELECT * FROM (SELECT id, name, params, priority, pin, run_at, run_at > now() AS delayed, created_at, reason, seq,
			ARRAY(SELECT a.key FROM unnest(j.after) AS a(key)
				WHERE NOT EXISTS (SELECT 1 FROM tm_cluster.jobs d WHERE (d.id = a.key OR d.name = a.key) AND d.state = 'completed')) AS unmet
			FROM tm_cluster.jobs j WHERE state = 'queued') q
		ORDER BY (delayed OR cardinality(unmet) > 0), priority DESC, seq LIMIT $1`,
		[queueLimit],
	);
	const alive = (await members(sql, leaseMs)).filter(m => m.state === 'alive');
	const slots = {members: alive.length, total: alive.reduce((n, m) => n + m.capacity, 0), used: alive.reduce((n, m) => n + m.slots_used, 0)};
	const live = new Set(alive.map(m => m.name));
	let ready = 0;
	const tasks = rows.map((row): ClusterQueueEntryDoc => {
		const entry = {
			id: row.id,
			name: row.name,
			priority: row.priority,
			requires: requestsOf(row.params),
			eligibleAt: row.delayed ? new Date(row.run_at).toISOString() : null,
			queuedAt: new Date(row.created_at).toISOString(),
			pin: row.pin,
		};
		const waits = whyWaiting(row, live, slots.total - slots.used - ready);
		if (waits.cause === 'submitted') {
			ready++;
		}

		return {...entry, ...waits};
	});
	return {tasks, depth: (await depth(sql)).queued.sort((a, b) => b.priority - a.priority), slots};
}

/** Why a queued job is not running yet, in the words `tm queue` shows. */
function whyWaiting(row: Waiting, live: ReadonlySet<string>, free: number): {reason: string; cause: ClusterQueueEntryDoc['cause']} {
	const last = row.reason.startsWith('submitted by ') ? '' : `; last: ${row.reason}`;
	if (row.unmet.length > 0) {
		return {reason: `waiting for ${row.unmet.join(', ')} to complete (--after)${last}`, cause: 'dependency'};
	}

	if (row.delayed) {
		return {reason: `delayed${last}`, cause: 'capacity'};
	}

	if (row.pin !== null && !live.has(row.pin)) {
		return {reason: `only ${row.pin} may claim it (--on), and it is not alive${last}`, cause: 'capacity'};
	}

	const who = row.pin === null ? 'a member' : row.pin;
	return free > 0 ? {reason: `to be claimed by ${who} with a free slot${last}`, cause: 'submitted'} : {reason: `waiting for a free slot on ${who}${last}`, cause: 'capacity'};
}
