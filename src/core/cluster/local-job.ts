/**
 * A claimed cluster job as a local job: the same spec `tm run` makes (jobs.ts), so the host
 * supervises it as any job (watchdog, progress, checkpoints, limits, logs); and its local end
 * as the outcome the member writes under its token.
 */
import type {Engine, TaskEventRecord} from '../engine.js';
import type {RunParams} from '../ipc/methods.js';
import {jobSpec} from '../jobs.js';
import {liveStates, type DaemonSpec, type TaskSpec} from '../model.js';
import type {Supervisor} from '../supervisor.js';
import type {Claim} from './claims.js';
import type {Claimed, Outcome} from './queries.js';

/** The params a cluster job keeps (what the cluster decides itself is taken out). */
export function runParamsOf(params: RunParams): RunParams {
	const {after: _after, noQueue: _noQueue, cluster: _cluster, on: _on, delayMs: _delayMs, at: _at, ...kept} = params;
	return kept;
}

/**
 * The local spec of a claim: id `c-….TOKEN` (a job claimed again here is a new task), its
 * cluster facts in the environment (TM_CLUSTER_JOB, TM_CLUSTER_TOKEN, TM_CLUSTER_HOST,
 * TM_CLUSTER_ATTEMPT) and its last checkpoint as TM_CHECKPOINT.
 */
export function localSpec(claimed: Claimed, host: string, daemon: DaemonSpec, taken: ReadonlySet<string>): TaskSpec {
	const params = runParamsOf(claimed.params as RunParams);
	const env: Record<string, string> = {
		...(params.env ?? {}),
		TM_CLUSTER_JOB: claimed.id,
		TM_CLUSTER_TOKEN: String(claimed.token),
		TM_CLUSTER_HOST: host,
		TM_CLUSTER_ATTEMPT: String(claimed.attempt),
	};
	if (claimed.checkpoint !== null) {
		env['TM_CHECKPOINT'] = claimed.checkpoint;
	}

	return jobSpec({...params, name: claimed.name, env}, `${claimed.id}.${String(claimed.token)}`, daemon, taken);
}

/** The claim a local task runs for, from its environment (a task a previous daemon restored). */
export function claimOfSpec(spec: TaskSpec): {id: string; token: string} | null {
	const id = spec.env['TM_CLUSTER_JOB'];
	const token = spec.env['TM_CLUSTER_TOKEN'];
	return spec.kind === 'job' && id !== undefined && token !== undefined ? {id, token} : null;
}

/**
 * What the end of a claim's local task means for the cluster: completed, failed, cancelled (a
 * person asked), dead (`tm fail` asked), or given back (`queued`: the daemon stopped, or someone stopped it here).
 * Null while it has not ended, or when its claim was lost (nothing to write).
 */
export function outcomeOf(event: TaskEventRecord, claim: Claim, checkpoint: string | null): Outcome | null {
	const base = {id: claim.id, token: claim.token, exitCode: event.task.exitCode, reason: event.reason, checkpoint};
	if (claim.failAsked !== undefined && (event.to === 'failed' || event.to === 'fatal' || (event.to === 'stopped' && event.cause !== 'lease_lost'))) {
		return {...base, state: 'dead', reason: `failed by hand ${claim.failAsked}`};
	}

	switch (event.to) {
		case 'completed': {
			return {...base, state: 'completed'};
		}

		case 'failed':
		case 'fatal': {
			return {...base, state: 'failed'};
		}

		case 'stopped': {
			if (event.cause === 'lease_lost') {
				return null;
			}

			return claim.cancelAsked || event.cause === 'cancelled' ? {...base, state: 'cancelled'} : {...base, state: 'queued', reason: `given back: ${event.reason}`};
		}

		default: {
			return null;
		}
	}
}

/** Local tasks of claims a previous daemon here held (restored from tm.db) that have not ended. */
export function restoredClaims(engine: Engine): Array<{task: Supervisor; held: {id: string; token: string}}> {
	return engine.list().flatMap(task => {
		const held = claimOfSpec(task.spec);
		const kind = task.record.state.kind;
		return held !== null && (liveStates.has(kind) || kind === 'queued' || kind === 'backoff') ? [{task, held}] : [];
	});
}
