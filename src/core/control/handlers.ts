/**
 * What the daemon answers on its socket (and in process, to the web view): each method maps
 * onto the engine through its typed handler (params validated by params.ts).
 */
import {alertTest, type Alerter} from '../alerts/index.js';
import type {Clock} from '../clock.js';
import {capacityDoc, queueDoc, statusDoc} from '../documents.js';
import type {ClusterControl} from '../cluster/control-handlers.js';
import type {Engine} from '../engine.js';
import type {Feed} from '../feed/feed.js';
import type {Handlers} from '../ipc/dispatch.js';
import {TmError} from '../errors.js';
import type {DaemonDoc, HostDoc, ReloadResult, ScaleParams, ScaleResult} from '../ipc/methods.js';
import {toHandlers} from './define.js';
import {clusterLogs} from './cluster-routing.js';
import {jobHandlers} from './job-handlers.js';
import {logHandlers} from './log-handlers.js';
import {byInstanceIds, selectTasks} from './select.js';
import {taskActions} from './task-actions.js';

export type ControlDeps = {
	engine: Engine;
	/** The daemon's clock: a job's `--delay` counts from it. */
	clock: Clock;
	/** The read model as a stream (subscribe). */
	feed: Feed;
	daemon(): DaemonDoc;
	/** Stops every task and the daemon; the response is sent first. */
	shutdown(): void;
	/** Re-reads the config and applies (or, with dryRun, only plans) the difference. */
	reload(dryRun: boolean): Promise<ReloadResult>;
	/** `tm scale`: a program's instances, or the slots (daemon/scale.ts). */
	scale?(params: ScaleParams): Promise<ScaleResult>;
	/** A program's instances now and the config's numprocs, for `describe`. */
	numprocs?(program: string): {count: number; configured: number} | null;
	/** The last sample of the host, if any. */
	host?(): HostDoc | null;
	/** Mail alerts, when `email:` is set (`tm alert test`). */
	alerter?: Alerter | null;
	/** The cluster's handlers, when this daemon is a member (`taskmaster.cluster`). */
	cluster?: () => ClusterControl | null;
};

export function controlHandlers({engine, clock, feed, daemon, shutdown, reload, scale, numprocs, host, alerter, cluster = () => null}: ControlDeps): Handlers {
	/** Each connection's event subscription, by connection id. */
	const subscriptions = new Map<number, () => void>();
	return toHandlers(engine, {
		...taskActions(engine),
		...jobHandlers(engine, clock, numprocs, cluster),
		...clusterLogs(logHandlers(engine), engine, cluster),
		status({names}) {
			const tasks = names !== undefined && names.length > 0 ? (byInstanceIds(names, id => (engine.has(id) ? engine.get(id) : undefined)) ?? selectTasks(names, engine.list())) : engine.list();
			return statusDoc(daemon(), tasks, host?.() ?? null, engine.config.daemon);
		},

		// The order comes from the admission plan itself (Admitter.list), so it is the order tasks start in.
		queue: () => queueDoc(engine.queue.list(), capacityDoc(engine.queue.limits(), engine.queue.claimed())),

		subscribe(_params, ctx) {
			// One subscription per connection: subscribing again (after `dropped`) replaces it.
			const previous = subscriptions.get(ctx.id);
			previous?.();
			// Snapshot and listener in the same synchronous turn: no gap and no duplicate.
			const off = feed.on(item => {
				switch (item.type) {
					case 'event': {
						ctx.notify('event', item.event);
						break;
					}

					case 'tasks': {
						ctx.notify('tasks', item.update);
						break;
					}

					case 'daemon': {
						ctx.notify('daemon', item.daemon);
						break;
					}
				}
			});
			subscriptions.set(ctx.id, off);
			if (!previous) {
				ctx.onClose(() => {
					subscriptions.get(ctx.id)?.();
					subscriptions.delete(ctx.id);
				});
			}

			return feed.snapshot();
		},

		reload: ({dryRun}) => reload(dryRun === true),

		async scale(params) {
			if (scale === undefined) {
				throw new TmError('E_INTERNAL', 'this daemon cannot scale');
			}

			return scale(params);
		},

		shutdown() {
			shutdown();
			return {ok: true} as const;
		},

		alertTest: () => alertTest(alerter ?? null),
	});
}
