/**
 * `tm pause`, `tm resume` and `tm fail` of a cluster job, from any member (asks.ts writes the
 * request; the owner acts on it, owner.ts). Pause and resume wait until the owner reports its
 * copy frozen or thawed (at most `answerMs`), so the answer says what is true; an owner that is
 * lost cannot act, and the answer says so, naming it and when it was last seen.
 */
import {clockDuration} from '../durations.js';
import type {TaskActionResult} from '../ipc/methods.js';
import {askFail, askPause} from './asks.js';
import {jobStatus} from './docs.js';
import type {Member} from './member.js';
import type {JobRow} from './queries.js';
import type {Sql} from './sql.js';

export type AskDeps = {
	member: Member;
	/** PostgreSQL out of reach → E_CLUSTER naming what was not done. */
	ask<T>(what: string, work: () => Promise<T>): Promise<T>;
	/** The one job a name means, or null. */
	one(name: string): Promise<JobRow | null>;
};

/** How long pause and resume wait for the owner to act (it is woken by NOTIFY: well under a second). */
export const answerMs = 5000;

const refused = (row: JobRow, error: string): TaskActionResult => ({name: row.id, ok: false, outcome: 'failed', state: jobStatus(row).state, error});

/** The owner of a running job as the members' table has it: null while it beats, else `m2, which is lost (last seen 14s ago)`. */
export async function ownerGone(sql: Sql, owner: string, leaseMs: number): Promise<string | null> {
	const rows = await sql.query<{left: boolean; ago: number}>(
		'SELECT left_at IS NOT NULL AS left, (extract(epoch FROM now() - last_seen) * 1000)::float8 AS ago FROM tm_cluster.hosts WHERE name = $1',
		[owner],
	);
	const row = rows[0];
	if (row === undefined) {
		return `${owner}, which is not a member`;
	}

	if (row.left) {
		return `${owner}, which left the cluster (last seen ${clockDuration(row.ago)} ago)`;
	}

	return row.ago > leaseMs ? `${owner}, which is lost (last seen ${clockDuration(row.ago)} ago)` : null;
}

export function clusterAsks({member, ask, one}: AskDeps) {
	const sql = member.sql;

	/** Polls the job until `done` (the owner acted) or `answerMs` passed. */
	const until = async (id: string, done: (row: JobRow) => boolean): Promise<JobRow | null> => {
		const deadline = member.now() + answerMs;
		for (;;) {
			const row = await one(id);
			if (row === null || done(row) || row.state !== 'running' || member.now() >= deadline) {
				return row;
			}

			await member.sleep(100);
		}
	};

	const pauseOrResume = async (name: string, pause: boolean): Promise<TaskActionResult | null> => {
		const verb = pause ? 'pause' : 'resume';
		const row = await one(name);
		if (row === null) {
			return null;
		}

		// As for a local job: only a running one is paused, only a paused (or pausing) one resumed.
		const state = jobStatus(row).state;
		if (row.state !== 'running' || (pause && state === 'paused') || (!pause && state !== 'paused' && !row.pause_requested)) {
			return refused(row, pause ? `${row.id} is ${state}; only a running job can be paused` : `${row.id} is ${state}, not paused`);
		}

		const gone = await ask(`${verb} ${name}`, () => ownerGone(sql, row.owner!, member.leaseMs));
		if (gone !== null) {
			return refused(row, `${row.id} runs on ${gone}: it cannot ${verb} it; another member takes the job over once its lease runs out`);
		}

		const asked = await ask(`${verb} ${name}`, () => askPause(sql, row.id, pause, member.name));
		if (asked === null) {
			return refused(row, `${row.id} ended meanwhile`);
		}

		const after = await ask(`${verb} ${name}`, () => until(row.id, now => (now.paused_at !== null) === pause));
		if (after !== null && after.state === 'running' && (after.paused_at !== null) !== pause) {
			return refused(after, `asked ${row.owner} to ${verb} it, and it has not within ${answerMs / 1000}s; it will at its next renewal`);
		}

		return {name: row.id, ok: true, outcome: 'done', state: after === null ? 'running' : jobStatus(after).state};
	};

	return {
		pause: (name: string) => pauseOrResume(name, true),
		resume: (name: string) => pauseOrResume(name, false),

		/** Queued: dead now. Running: its owner stops it and writes it dead (a lost owner's job is dead once its lease runs out). */
		async fail(name: string, reason: string | undefined): Promise<TaskActionResult | null> {
			const row = await one(name);
			if (row === null) {
				return null;
			}

			const detail = `from ${member.name}${reason === undefined || reason === '' ? '' : `: ${reason}`}`;
			const asked = await ask(`fail ${name}`, () => askFail(sql, row.id, detail));
			if (asked === null) {
				return refused(row, `${row.id} has already finished (${row.state})`);
			}

			return {name: row.id, ok: true, outcome: 'done', state: asked.state === 'dead' ? 'fatal' : 'stopping'};
		},
	};
}
