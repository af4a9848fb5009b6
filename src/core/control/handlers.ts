/**
 * What the daemon answers on its socket: each method maps onto the engine. Commands change
 * what a task should be (`want`) and, unless told not to, wait until it got there.
 */
import {alertTest, type Alerter} from '../alerts/index.js';
import {parseSignal} from '../config/units.js';
import type {Engine} from '../engine.js';
import type {Feed} from '../feed/feed.js';
import type {LogLine} from '../log/line-ring.js';
import {TmError} from '../errors.js';
import type {DaemonDoc, HostDoc, ReloadResult, TaskActionResult} from '../ipc/methods.js';
import type {Handlers} from '../ipc/dispatch.js';
import {RpcError, rpcErrorCodes} from '../ipc/protocol.js';
import type {StateKind} from '../model.js';
import type {Supervisor} from '../supervisor.js';
import {jobHandlers} from './job-handlers.js';
import {selectTasks} from './select.js';
import {lineDoc, statusDoc} from '../documents.js';

export type ControlDeps = {
	engine: Engine;
	/** The read model as a stream (subscribe). */
	feed: Feed;
	daemon(): DaemonDoc;
	/** Stops every task and the daemon; the response is sent first. */
	shutdown(): void;
	/** Re-reads the config and applies (or, with dryRun, only plans) the difference. */
	reload(dryRun: boolean): Promise<ReloadResult>;
	/** The last sample of the host, if any. */
	host?(): HostDoc | null;
	/** Mail alerts, when `email:` is set (`tm alert test`). */
	alerter?: Alerter | null;
};

const settled: ReadonlySet<StateKind> = new Set(['running', 'completed', 'failed', 'fatal', 'stopped']);

function names(params: unknown): string[] {
	const value = (params as {names?: unknown} | null)?.names;
	if (!Array.isArray(value) || !value.every(n => typeof n === 'string')) {
		throw new RpcError(rpcErrorCodes.invalidParams, 'params.names must be a list of task names');
	}

	return value as string[];
}

const wantsWait = (params: unknown): boolean => (params as {wait?: unknown} | null)?.wait !== false;

/** Resolves once `done(task)` holds for every task, re-checking after each event. */
const waitAll = (engine: Engine, tasks: Supervisor[], done: (task: Supervisor) => boolean): Promise<void> =>
	engine.until(() => tasks.every(done));

function result(task: Supervisor, ok: (kind: StateKind) => boolean): TaskActionResult {
	const {state} = task.record;
	return ok(state.kind)
		? {name: task.id, ok: true, state: state.kind}
		: {name: task.id, ok: false, state: state.kind, error: state.reason};
}

/**
 * Every method but `run` starts from a settled engine (Engine.settle): what earlier callbacks
 * changed is written before a handler reads or changes anything. `run` only adds, and its
 * answer waits for the write, so runs that arrive together still share one transaction.
 */
function settleFirst(engine: Engine, handlers: Handlers): Handlers {
	const wrapped: Handlers = {};
	for (const [method, handler] of Object.entries(handlers)) {
		if (handler !== undefined) {
			wrapped[method] =
				method === 'run'
					? handler
					: (params, ctx) => {
							engine.settle();
							return handler(params, ctx);
						};
		}
	}

	return wrapped;
}

export function controlHandlers({engine, feed, daemon, shutdown, reload, host, alerter}: ControlDeps): Handlers {
	const pick = (params: unknown) => selectTasks(names(params), engine.list());
	/** Each connection's event subscription, by connection id. */
	const subscriptions = new Map<number, () => void>();
	const doc = (tasks: Supervisor[]) => statusDoc(daemon(), tasks, host?.() ?? null, engine.config.daemon.taskTimeoutMs);
	return settleFirst(engine, {
		...jobHandlers(engine),
		status(params) {
			const wanted = (params as {names?: unknown} | null)?.names;
			if (wanted !== undefined && !(Array.isArray(wanted) && wanted.every(n => typeof n === 'string'))) {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.names must be a list of task names');
			}

			const tasks = wanted !== undefined && wanted.length > 0 ? pick(params) : engine.list();
			return doc(tasks);
		},

		async start(params) {
			const tasks = pick(params);
			for (const task of tasks) {
				task.dispatch({type: 'start'});
			}

			if (wantsWait(params)) {
				await waitAll(engine, tasks, t => settled.has(t.record.state.kind));
			}

			return {results: tasks.map(t => result(t, k => k === 'running' || k === 'completed' || !wantsWait(params)))};
		},

		async stop(params) {
			const tasks = pick(params);
			for (const task of tasks) {
				task.dispatch({type: 'stop'});
			}

			if (wantsWait(params)) {
				// Done once down, or once someone else wanted it up again meanwhile.
				await waitAll(engine, tasks, t => t.down || t.record.want === 'up');
			}

			return {results: tasks.map(t => result(t, () => true))};
		},

		async restart(params) {
			const tasks = pick(params);
			const before = new Map(tasks.map(t => [t.id, t.record.restarts]));
			for (const task of tasks) {
				task.dispatch({type: 'restart'});
			}

			if (wantsWait(params)) {
				await waitAll(engine, tasks, t => {
					const kind = t.record.state.kind;
					const restarted = settled.has(kind) && t.record.restarts > (before.get(t.id) ?? 0);
					// Someone else stopped it meanwhile: that answer stands.
					return kind === 'fatal' || kind === 'failed' || restarted || t.record.want === 'down';
				});
			}

			return {results: tasks.map(t => result(t, k => k === 'running' || k === 'completed' || !wantsWait(params)))};
		},

		signal(params) {
			const raw = (params as {signal?: unknown} | null)?.signal;
			const signal = parseSignal(raw);
			if (!signal.ok) {
				throw new TmError('E_USAGE', `signal: ${signal.error}`);
			}

			return {
				results: pick(params).map(task =>
					task.signal(signal.value)
						? {name: task.id, ok: true, state: task.record.state.kind}
						: {name: task.id, ok: false, state: task.record.state.kind, error: `${task.id} has no running process`},
				),
			};
		},

		logs(params, ctx) {
			const p = (params ?? {}) as {name?: unknown; lines?: unknown; stream?: unknown; follow?: unknown; after?: unknown};
			if (typeof p.name !== 'string') {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.name must be a task name');
			}

			const [task] = selectTasks([p.name], engine.list());
			if (!task) {
				throw new TmError('E_UNKNOWN_TASK', `no such task: ${p.name}`);
			}

			if (p.stream !== undefined && p.stream !== 'stdout' && p.stream !== 'stderr' && p.stream !== 'both') {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.stream must be stdout, stderr or both');
			}

			if (p.lines !== undefined && !(typeof p.lines === 'number' && Number.isInteger(p.lines) && p.lines >= 0)) {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.lines must be a whole number ≥ 0');
			}

			if (p.after !== undefined && !(typeof p.after === 'number' && Number.isInteger(p.after) && p.after >= 0)) {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.after must be a line number ≥ 0');
			}

			if (p.follow !== undefined && typeof p.follow !== 'boolean') {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.follow must be true or false');
			}

			const stream = p.stream === 'stdout' || p.stream === 'stderr' ? p.stream : undefined;
			const lines = typeof p.lines === 'number' ? Math.min(p.lines, 10_000) : 20;
			if (p.follow === true) {
				const off = task.log.onLine(line => {
					if (!stream || line.stream === stream) {
						ctx.notify('log', {taskId: task.id, line: lineDoc(line)});
					}
				});
				ctx.onClose(off);
			}

			const wanted = (line: LogLine): boolean => stream === undefined || line.stream === stream;
			if (p.after !== undefined) {
				const after = p.after;
				const missed = after > task.log.lastSeq ? null : task.log.since(after);
				// Whole when nothing was lost in between: the first line kept is the one after `after`.
				if (missed !== null && (missed.length === 0 || missed[0]?.seq === after + 1)) {
					return {lines: missed.filter(wanted).map(line => lineDoc(line)), gap: false, lastSeq: task.log.lastSeq};
				}

				return {lines: task.log.tail(lines, stream).map(line => lineDoc(line)), gap: true, lastSeq: task.log.lastSeq};
			}

			return {lines: task.log.tail(lines, stream).map(line => lineDoc(line))};
		},

		subscribe(_params, ctx) {
			// One subscription per connection: subscribing again (after `dropped`) replaces it.
			const previous = subscriptions.get(ctx.id);
			previous?.();
			// Snapshot and listener in the same synchronous turn: no gap and no duplicate.
			const off = feed.on(item => {
				if (item.type === 'event') {
					ctx.notify('event', item.event);
				} else {
					ctx.notify('tasks', item.update);
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

		reload(params) {
			const dryRun = (params as {dryRun?: unknown} | null)?.dryRun;
			if (dryRun !== undefined && typeof dryRun !== 'boolean') {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params.dryRun must be true or false');
			}

			return reload(dryRun === true);
		},

		shutdown() {
			shutdown();
			return {ok: true} as const;
		},

		alertTest: () => alertTest(alerter ?? null),
	});
}
