/**
 * The socket methods of jobs and liveness (SPEC §4–5): run, wait, tasks, cancel, retry, pause,
 * resume, notify and describe.
 */
import {randomUUID} from 'node:crypto';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {Handlers} from '../ipc/dispatch.js';
import type {RunParams, TaskActionResult} from '../ipc/methods.js';
import {RpcError, rpcErrorCodes} from '../ipc/protocol.js';
import {jobSpec} from '../jobs.js';
import {stateKinds, type StateKind} from '../model.js';
import type {Supervisor} from '../supervisor.js';
import {selectTasks} from './select.js';
import {detailDoc, taskDoc} from '../documents.js';

const finished: ReadonlySet<StateKind> = new Set(['completed', 'failed', 'fatal', 'stopped']);

function param<T>(params: unknown, key: string, check: (value: unknown) => value is T, expected: string): T {
	const value = (params as Record<string, unknown> | null)?.[key];
	if (!check(value)) {
		throw new RpcError(rpcErrorCodes.invalidParams, `params.${key} must be ${expected}`);
	}

	return value;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(v => typeof v === 'string');

/** Applies `act` to each named task; a task it does not apply to gets `ok: false` and why. */
function each(engine: Engine, params: unknown, act: (task: Supervisor) => string | null): {results: TaskActionResult[]} {
	const tasks = selectTasks(param(params, 'names', isStrings, 'a list of task names'), engine.list());
	return {
		results: tasks.map(task => {
			const refused = act(task);
			const state = task.record.state.kind;
			return refused === null ? {name: task.id, ok: true, state} : {name: task.id, ok: false, state, error: refused};
		}),
	};
}

function newJobId(engine: Engine): string {
	for (;;) {
		// The first 8 hex digits of a v4 UUID are random; randomUUID draws from a cached pool (randomBytes makes a syscall each time).
		const id = `j-${randomUUID().slice(0, 8)}`;
		if (!engine.has(id)) {
			return id;
		}
	}
}

export function jobHandlers(engine: Engine): Handlers {
	const one = (params: unknown, key = 'name'): Supervisor => {
		const name = param(params, key, isString, 'a task name or id');
		const [task, more] = selectTasks([name], engine.list());
		if (!task || more) {
			throw new TmError('E_USAGE', `${name} names several tasks; give one id`);
		}

		return task;
	};

	return {
		async run(params) {
			if (typeof params !== 'object' || params === null) {
				throw new RpcError(rpcErrorCodes.invalidParams, 'params must be an object with argv');
			}

			const run = params as RunParams;
			for (const key of Array.isArray(run.after) ? run.after : []) {
				if (!engine.list().some(task => task.id === key || task.spec.program === key)) {
					throw new TmError('E_UNKNOWN_TASK', `no such task: ${String(key)} (named by --after)`);
				}
			}

			const task = engine.submit(jobSpec(run, newJobId(engine), engine.config.daemon));
			// Accepted means written: the answer waits for the flush (shared by the jobs that came with it).
			await engine.saved();
			return {id: task.id};
		},

		async wait(params) {
			const task = one(params);
			await engine.until(() => finished.has(task.record.state.kind));
			const {state} = task.record;
			const exit = 'lastExit' in state ? state.lastExit : null;
			return {id: task.id, state: state.kind, exitCode: exit?.code ?? null, reason: state.reason};
		},

		tasks(params) {
			const states = (params as {states?: unknown} | null)?.states;
			if (states !== undefined && !(isStrings(states) && states.every(s => (stateKinds as readonly string[]).includes(s)))) {
				throw new TmError('E_USAGE', `--state must be one of ${stateKinds.join(', ')}`);
			}

			const wanted = new Set(states ?? stateKinds);
			return {tasks: engine.list().filter(task => wanted.has(task.record.state.kind)).map(task => taskDoc(task, engine.config.daemon.taskTimeoutMs))};
		},

		cancel(params) {
			return each(engine, params, task => {
				if (task.spec.kind !== 'job') {
					return `${task.id} is a program; use tm stop`;
				}

				if (finished.has(task.record.state.kind)) {
					return `${task.id} has already finished (${task.record.state.kind})`;
				}

				task.dispatch({type: 'stop', reason: 'cancelled'});
				return null;
			});
		},

		retry(params) {
			return each(engine, params, task => {
				const {kind} = task.record.state;
				if (kind !== 'failed' && kind !== 'fatal') {
					return `${task.id} is ${kind}; only failed tasks can be retried`;
				}

				task.dispatch({type: 'retry'});
				return null;
			});
		},

		pause(params) {
			return each(engine, params, task => {
				if (task.record.state.kind !== 'running') {
					return `${task.id} is ${task.record.state.kind}; only a running task can be paused`;
				}

				task.dispatch({type: 'pause'});
				return null;
			});
		},

		resume(params) {
			return each(engine, params, task => {
				if (task.record.state.kind !== 'paused') {
					return `${task.id} is ${task.record.state.kind}, not paused`;
				}

				task.dispatch({type: 'resume'});
				return null;
			});
		},

		notify(params) {
			const task = one(params, 'task');
			const lines = param(params, 'lines', isStrings, 'a list of lines such as "WATCHDOG=1"');
			const bad = task.receive(lines);
			if (bad > 0) {
				throw new TmError('E_USAGE', `${bad} of ${lines.length} lines were not notify messages (READY=1, WATCHDOG=1, PROGRESS=N text, STATUS=text, CHECKPOINT=data)`);
			}

			return {ok: true} as const;
		},

		describe(params) {
			return detailDoc(one(params), engine.config.daemon.heartbeatIntervalMs, engine.config.daemon.taskTimeoutMs);
		},
	};
}
