/**
 * Writing what this member's copies ended with: the outcomes kept (claims.ts) in one statement
 * under their tokens, then each written copy's log tail (job-logs.ts), so `tm logs` reads it from
 * any member once the owner is gone. An outcome refused as stale (the job was taken over) is
 * noted and dropped; a failed write puts them all back for the next pass.
 */
import {messageOf} from '../errors.js';
import type {Claims} from './claims.js';
import {putLogs} from './job-logs.js';
import {finish} from './queries.js';
import type {Sql} from './sql.js';

export async function writeOutcomes(sql: Sql, claims: Claims, host: string, note: (message: string, data?: Record<string, unknown>) => void): Promise<void> {
	const outcomes = claims.take();
	if (outcomes.length === 0) {
		return;
	}

	let written: string[];
	try {
		written = await finish(sql, outcomes);
	} catch (error) {
		claims.putBack(outcomes);
		throw error;
	}

	const done = new Set(written);
	// A tail not shipped is not retried: the outcome, which matters, is written.
	const tails = outcomes.flatMap(o => (done.has(o.id) && o.lines !== undefined ? [{id: o.id, token: o.token, lines: o.lines}] : []));
	await putLogs(sql, host, tails, true).catch((error: unknown) => note('cluster logs not shipped', {error: messageOf(error)}));
	for (const stale of outcomes.filter(o => !done.has(o.id))) {
		note('cluster outcome refused', {job: stale.id, token: stale.token, state: stale.state, why: 'stale token: the job was taken over'});
	}
}
