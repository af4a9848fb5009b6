/**
 * Job methods that reach the cluster: `run` with `cluster` (or `on`), `tasks` with `cluster`,
 * and `describe`, `wait`, `cancel`, `retry`, `fail`, `pause`, `resume` of a name no local task goes by, which a member
 * looks up in PostgreSQL (the cluster job `c-…` or its name); `hosts`. On a daemon in no
 * cluster they are refused (E_CLUSTER) or stay E_UNKNOWN_TASK, as before.
 */
import type {ClusterControl} from '../cluster/control-handlers.js';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {TaskActionResult} from '../ipc/methods.js';
import {stateKinds} from '../model.js';
import {nameMatcher} from '../task-names.js';
import type {TypedHandlers} from './define.js';

function noCluster(verb: string): TmError {
	return new TmError('E_CLUSTER', `${verb}: this daemon is in no cluster; set taskmaster.cluster (postgres: URL, name: HOST) in its config and restart it (docs/cluster.md)`);
}

const unknown = (error: unknown): boolean => error instanceof TmError && error.code === 'E_UNKNOWN_TASK';

export function clusterRouted(local: TypedHandlers, engine: Engine, cluster: () => ClusterControl | null): TypedHandlers {
	const need = (verb: string): ClusterControl => cluster() ?? (() => { throw noCluster(verb); })();
	const isLocal = (name: string): boolean => {
		const means = nameMatcher(name);
		return engine.list().some(task => means({id: task.id, program: task.spec.program}));
	};

	/** Local names to the local handler, the others to the cluster (each `null` there: no such job). */
	const split = async (names: string[], act: (control: ClusterControl, name: string) => Promise<TaskActionResult | null>, localAct: (names: string[]) => Promise<{results: TaskActionResult[]}>): Promise<{results: TaskActionResult[]}> => {
		const control = cluster();
		const remote = control === null ? [] : names.filter(name => !isLocal(name));
		const here = names.filter(name => !remote.includes(name));
		const results = here.length > 0 ? (await localAct(here)).results : [];
		for (const name of remote) {
			const result = await act(control!, name);
			if (result === null) {
				throw new TmError('E_UNKNOWN_TASK', `no such task: ${name} (tm status lists local tasks, tm tasks --cluster the cluster's jobs)`);
			}

			results.push(result);
		}

		return {results};
	};

	return {
		...local,
		run: (params, ctx) => (params.cluster === true || params.on !== undefined ? need('run --cluster').submit(params) : local.run!(params, ctx)),
		async tasks(params, ctx) {
			if (params.cluster !== true) {
				return local.tasks!(params, ctx);
			}

			if (params.states !== undefined && !params.states.every(s => (stateKinds as readonly string[]).includes(s))) {
				throw new TmError('E_USAGE', `--state must be one of ${stateKinds.join(', ')}`);
			}

			return {tasks: await need('tasks --cluster').tasks(params.states)};
		},
		async describe(params, ctx) {
			try {
				return await local.describe!(params, ctx);
			} catch (error) {
				const found = unknown(error) ? await cluster()?.describe(params.name) : null;
				if (found === null || found === undefined) {
					throw error;
				}

				return found;
			}
		},
		async wait(params, ctx) {
			try {
				return await local.wait!(params, ctx);
			} catch (error) {
				const found = unknown(error) ? await cluster()?.wait(params.name) : null;
				if (found === null || found === undefined) {
					throw error;
				}

				return found;
			}
		},
		cancel: (params, ctx) => split(params.names, (control, name) => control.cancel(name), names => Promise.resolve(local.cancel!({...params, names}, ctx))),
		retry: (params, ctx) => split(params.names, (control, name) => control.retry(name, params), names => Promise.resolve(local.retry!({...params, names}, ctx))),
		fail: (params, ctx) => split(params.names, (control, name) => control.fail(name, params.reason), names => Promise.resolve(local.fail!({...params, names}, ctx))),
		pause: (params, ctx) => split(params.names, (control, name) => control.pause(name), names => Promise.resolve(local.pause!({...params, names}, ctx))),
		resume: (params, ctx) => split(params.names, (control, name) => control.resume(name), names => Promise.resolve(local.resume!({...params, names}, ctx))),
		hosts: () => need('hosts').hosts(),
		clusterQueue: () => need('queue --cluster').queue(),
	};
}

/**
 * `logs` of a cluster job: served here when this member runs it (its local copy, `c-….TOKEN`);
 * else from PostgreSQL (cluster/logs-read.ts: the owner ships its tail on request, and when the
 * job ends), or an error naming the member that has them and whether it is alive.
 */
export function clusterLogs(local: TypedHandlers, engine: Engine, cluster: () => ClusterControl | null): TypedHandlers {
	return {
		async logs(params, ctx) {
			try {
				return await local.logs!(params, ctx);
			} catch (error) {
				const control = unknown(error) ? cluster() : null;
				const job = control === null ? null : await control.describe(params.name);
				if (job === null || job === undefined) {
					throw error;
				}

				const copy = engine.list().filter(task => task.id.startsWith(`${job.id}.`)).at(-1);
				if (copy !== undefined && (job.host === control!.member || job.host === null)) {
					return local.logs!({...params, name: copy.id}, ctx);
				}

				return (await control!.logs({...params, name: job.id})) ?? Promise.reject(error);
			}
		},
	};
}
