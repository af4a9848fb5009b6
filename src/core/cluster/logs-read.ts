/**
 * `tm logs` of a cluster job on a member that does not run it (job-logs.ts holds the design): a
 * running job's owner is asked to ship its tail now, and the answer waits for it (at most
 * `answerMs`); a job that ended is read from the tail its owner shipped with its outcome. An
 * owner that is lost or left cannot ship: the error names it and when it was last seen.
 */
import {TmError} from '../errors.js';
import type {Methods} from '../ipc/methods.js';
import {askLogs} from './asks.js';
import {answerMs, ownerGone, type AskDeps} from './control-asks.js';
import {pickLines, readLogs, type StoredLogs} from './job-logs.js';
import type {JobRow} from './queries.js';

type LogsParams = Methods['logs']['params'];
type LogsResult = Methods['logs']['result'];

const defaultLines = 20;

function answer(stored: StoredLogs, params: LogsParams): LogsResult {
	return {lines: pickLines(stored.lines, params.lines ?? defaultLines, params.stream)};
}

/** The lines of `row` (a job no local copy here serves), or an E_CLUSTER that says where they are. */
export async function clusterJobLogs({member, ask, one}: AskDeps, row: JobRow, params: LogsParams): Promise<LogsResult> {
	const sql = member.sql;
	const what = `logs ${row.id}`;
	if (params.follow === true || params.after !== undefined) {
		const where = row.owner === null ? 'the member that runs it' : row.owner;
		throw new TmError('E_CLUSTER', `${row.id} is a cluster job: its log is followed on ${where} (tm logs -f ${row.id} there); here, tm logs ${row.id} prints its last lines`);
	}

	if (row.state === 'running' && row.owner !== null) {
		const gone = await ask(what, () => ownerGone(sql, row.owner!, member.leaseMs));
		if (gone !== null) {
			throw new TmError('E_CLUSTER', `${row.id} runs on ${gone}: its logs are on that host and cannot be read now; another member takes the job over once its lease runs out`);
		}

		const before = await ask(what, () => readLogs(sql, row.id));
		if (!(await ask(what, () => askLogs(sql, row.id)))) {
			return clusterJobLogs({member, ask, one}, (await one(row.id)) ?? row, params);
		}

		const deadline = member.now() + answerMs;
		for (;;) {
			const now = await ask(what, () => readLogs(sql, row.id));
			if (now !== null && (before === null || now.shippedAt.getTime() !== before.shippedAt.getTime())) {
				return answer(now, params);
			}

			if (member.now() >= deadline) {
				throw new TmError('E_CLUSTER', `${row.id} runs on ${row.owner}, which has not shipped its log tail within ${answerMs / 1000}s; try again, or run tm logs ${row.id} there`);
			}

			await member.sleep(100);
		}
	}

	const stored = await ask(what, () => readLogs(sql, row.id));
	if (stored !== null) {
		return answer(stored, params);
	}

	if (row.owner === null) {
		throw new TmError('E_CLUSTER', `${row.id} is a cluster job no member holds now (${row.state}): no logs yet`);
	}

	const gone = await ask(what, () => ownerGone(sql, row.owner!, member.leaseMs));
	throw new TmError('E_CLUSTER', `${row.id} (${row.state}) ran on ${gone ?? row.owner} and shipped no log tail; its logs are kept by that member: run tm logs ${row.id} there`);
}
