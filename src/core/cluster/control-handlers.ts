/**
 * The cluster's side of the socket methods, from any member: `tm run --cluster` (checked here
 * as a local job would be, then inserted), `tm tasks --cluster`, `tm show`, `tm cancel`,
 * `tm retry` and `tm wait` of a cluster job, and `tm hosts`. PostgreSQL out of reach is
 * E_CLUSTER, saying that nothing was done.
 */
import {randomUUID} from 'node:crypto';
import type {Engine} from '../engine.js';
import {messageOf, TmError} from '../errors.js';
import type {MemberDoc, Methods, RunParams, TaskActionResult, TaskDetail, TaskStatus} from '../ipc/methods.js';
import {eligibleAt, type DelayParams} from '../delays.js';
import {jobSpec} from '../jobs.js';
import type {StateKind} from '../model.js';
import {clusterAsks} from './control-asks.js';
import {cancelJob, findJobs, listJobs, retryJob} from './control.js';
import {jobDetail, jobStatus, memberDoc} from './docs.js';
import {runParamsOf} from './local-job.js';
import {clusterJobLogs} from './logs-read.js';
import type {Member} from './member.js';
import {members} from './members.js';
import {insertJob, type JobRow} from './queries.js';
import {clusterQueue} from './queue-view.js';

/** Takeovers and give-backs a job may have before it is dead (its own retries run inside each claim). */
export const maxClaims = 5;

const clusterStates: Record<StateKind, string[]> = {
	queued: ['queued'],
	running: ['running'],
	completed: ['completed'],
	failed: ['failed'],
	fatal: ['dead'],
	stopped: ['cancelled'],
	starting: [],
	backoff: [],
	stopping: [],
	paused: ['running'],
};

export type ClusterControl = ReturnType<typeof clusterControl>;

export function clusterControl(member: Member, engine: Engine) {
	const sql = member.sql;
	/** Runs `work` against PostgreSQL; out of reach → E_CLUSTER naming what was not done. */
	const ask = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
		try {
			return await work();
		} catch (error) {
			if (error instanceof TmError) {
				throw error;
			}

			throw new TmError('E_CLUSTER', `${what}: PostgreSQL at ${member.status().postgres} did not answer (${messageOf(error)}); nothing was done, try again`);
		}
	};

	/** The one job a name means (its id, else the newest of that name), or null. */
	const one = async (name: string): Promise<JobRow | null> => (await ask(name, () => findJobs(sql, name)))[0] ?? null;

	return {
		/** This member's name. */
		member: member.name,

		async submit(params: RunParams): Promise<{id: string; name: string}> {
			const id = `c-${randomUUID().slice(0, 8)}`;
			// Every field checked here as for a local job; the member that claims it makes its own spec.
			const spec = jobSpec(runParamsOf(params), id, engine.config.daemon);
			// --delay/--at: not claimed before then (PostgreSQL's clock from the submit on).
			const now = member.now();
			const notBefore = eligibleAt(params, now, 'run');
			const after = Array.isArray(params.after) ? params.after : [];
			if (params.on !== undefined) {
				const known = await ask('run --on', () => members(sql, member.leaseMs));
				if (!known.some(m => m.name === params.on)) {
					throw new TmError('E_USAGE', `run: --on ${params.on}: no such member (tm hosts lists them: ${known.map(m => m.name).join(', ') || 'none'})`);
				}
			}

			await ask('run --cluster', () =>
				insertJob(sql, {id, name: spec.name, params: runParamsOf(params), priority: spec.priority ?? 0, pin: params.on ?? null, after, maxAttempts: maxClaims, submittedBy: member.name, delayMs: notBefore === undefined ? 0 : notBefore - now}),
			);
			return {id, name: spec.name};
		},

		async tasks(states: StateKind[] | undefined): Promise<TaskStatus[]> {
			const wanted = states === undefined ? null : states.flatMap(s => clusterStates[s]);
			// `running` in PostgreSQL is running or paused here: the finer state is the document's.
			const docs = (await ask('tasks --cluster', () => listJobs(sql, wanted))).map(row => jobStatus(row));
			return states === undefined ? docs : docs.filter(doc => states.includes(doc.state));
		},

		async describe(name: string): Promise<TaskDetail | null> {
			const row = await one(name);
			return row === null ? null : jobDetail(row);
		},

		async cancel(name: string): Promise<TaskActionResult | null> {
			const row = await one(name);
			if (row === null) {
				return null;
			}

			const acted = await ask(`cancel ${name}`, () => cancelJob(sql, row.id, member.name));
			if (acted === null) {
				return {name: row.id, ok: false, outcome: 'failed', state: jobStatus(row).state, error: `${row.id} has already finished (${row.state})`};
			}

			return {name: row.id, ok: true, outcome: 'done', state: acted.state === 'cancelled' ? 'stopped' : 'stopping'};
		},

		async retry(name: string, delay: DelayParams = {}): Promise<TaskActionResult | null> {
			const row = await one(name);
			if (row === null) {
				return null;
			}

			const now = member.now();
			const notBefore = eligibleAt(delay, now, 'retry');
			const acted = await ask(`retry ${name}`, () => retryJob(sql, row.id, member.name, notBefore === undefined ? 0 : notBefore - now));
			return acted === null
				? {name: row.id, ok: false, outcome: 'failed', state: jobStatus(row).state, error: `${row.id} is ${row.state}; only failed, cancelled or dead cluster jobs can be retried`}
				: {name: row.id, ok: true, outcome: 'done', state: 'queued'};
		},

		wait: (name: string) => waitJob(one, member, name),

		...clusterAsks({member, ask, one}),

		/** The job's logs from PostgreSQL (logs-read.ts); null for no such job. */
		async logs(params: Methods['logs']['params']): Promise<Methods['logs']['result'] | null> {
			const row = await one(params.name);
			return row === null ? null : clusterJobLogs({member, ask, one}, row, params);
		},

		queue: () => ask('queue --cluster', () => clusterQueue(sql, member.leaseMs)),

		async hosts(): Promise<{hosts: MemberDoc[]; queued: number}> {
			const rows = await ask('hosts', () => members(sql, member.leaseMs));
			const queued = await ask('hosts', () => sql.query<{n: number}>("SELECT count(*)::int AS n FROM tm_cluster.jobs WHERE state = 'queued'"));
			return {hosts: rows.map(row => memberDoc(row)), queued: queued[0]?.n ?? 0};
		},
	};
}


/** Resolves once the job has ended, polled every 500 ms (a notification would need a listener per waiter); null for no such job. */
async function waitJob(one: (name: string) => Promise<JobRow | null>, member: Member, name: string): Promise<{id: string; state: StateKind; exitCode: number | null; reason: string} | null> {
	for (;;) {
		const row = await one(name);
		if (row === null) {
			return null;
		}

		if (row.state !== 'queued' && row.state !== 'running') {
			return {id: row.id, state: jobStatus(row).state, exitCode: row.exit_code, reason: row.reason};
		}

		await member.sleep(500);
	}
}
