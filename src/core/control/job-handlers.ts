/**
 * The socket methods of jobs and liveness (SPEC §4–5): run, wait, tasks, cancel, retry, fail,
 * pause, resume, notify and describe. Whether pause, resume, retry and fail apply is the
 * machine's call: a request it leaves unchanged is refused, in words that say why.
 */
import {randomUUID} from 'node:crypto';
import {noLimit, tooBig} from '../capacity.js';
import type {Clock} from '../clock.js';
import {eligibleAt} from '../delays.js';
import {detailDoc, taskDoc, type Numprocs} from '../documents.js';
import type {ClusterControl} from '../cluster/control-handlers.js';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {TaskActionResult} from '../ipc/methods.js';
import {jobSpec} from '../jobs.js';
import {identity} from '../process/spawner.js';
import type {TaskEvent} from '../machine.js';
import {stateKinds, type StateKind, type TaskSpec} from '../model.js';
import type {Supervisor} from '../supervisor.js';
import {clusterRouted} from './cluster-routing.js';
import type {TypedHandlers} from './define.js';
import {selectOne, selectTasks} from './select.js';

const finished: ReadonlySet<StateKind> = new Set(['completed', 'failed', 'fatal', 'stopped']);

/** Applies `act` to each named task; a task it does not apply to gets `ok: false` and why. */
async function each(engine: Engine, names: string[], act: (task: Supervisor) => Promise<string | null>): Promise<{results: TaskActionResult[]}> {
	const tasks = selectTasks(names, engine.list());
	const refusals = await Promise.all(tasks.map(task => act(task)));
	return {
		results: tasks.map((task, i) => {
			const refused = refusals[i] ?? null;
			const state = task.record.state.kind;
			return refused === null ? {name: task.id, ok: true, outcome: 'done', state} : {name: task.id, ok: false, outcome: 'failed', state, error: refused};
		}),
	};
}

/** Sends `event`; null when the machine took it, else `why(state)` in the state it refused it in. */
async function machineDecides(task: Supervisor, event: TaskEvent, why: (kind: StateKind) => string): Promise<string | null> {
	const before = task.record;
	const {record} = await task.request(event);
	return record === before ? why(record.state.kind) : null;
}

/** A job asking for more than the whole capacity could never start: refused at submit, never queued for ever. */
function refuseOverCapacity(spec: TaskSpec, engine: Engine): void {
	const big = tooBig(spec.requires, engine.config.daemon.capacity ?? noLimit);
	if (big !== null) {
		throw new TmError('E_OVER_CAPACITY', `run: the job ${big}, so it could never start; ask for less (--memory, --cpus), or raise taskmaster.capacity (the host's total when not set)`);
	}
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

/** `numprocs`: a program's instances now and the config's count (tm scale), for `describe`. */
export function jobHandlers(engine: Engine, clock: Clock, numprocs?: Numprocs, cluster: () => ClusterControl | null = () => null): TypedHandlers {
	const one = (name: string): Supervisor => selectOne(name, engine.list());

	return clusterRouted({
		async run(params) {
			for (const key of Array.isArray(params.after) ? params.after : []) {
				if (!engine.list().some(task => task.id === key || task.spec.program === key)) {
					throw new TmError('E_UNKNOWN_TASK', `no such task: ${String(key)} (named by --after)`);
				}
			}

			// The names tasks go by: a job's `--name` that one of them has already becomes `name#2`.
			const taken = params.name === undefined ? undefined : new Set(engine.list().flatMap(task => [task.id, task.spec.program]));
			const spec = jobSpec(params, newJobId(engine), engine.config.daemon, taken);
			const as = params.user === undefined ? null : identity(spec);
			if (as !== null && !as.ok) {
				throw new TmError('E_USAGE', `run: --user: ${as.error}`);
			}

			refuseOverCapacity(spec, engine);
			const notBefore = eligibleAt(params, clock.now(), 'run');
			if (params.noQueue === true && notBefore !== undefined) {
				throw new TmError('E_USAGE', 'run: --no-queue starts now or not at all; it cannot wait for --delay or --at');
			}

			const refused = params.noQueue === true ? engine.queue.refusal({id: spec.id, priority: spec.priority ?? 0, requires: spec.requires}) : null;
			if (refused !== null) {
				throw new TmError('E_NO_SLOT', `not started: ${refused} (without --no-queue it would wait in the queue)`);
			}

			const task = engine.submit(spec, notBefore);
			// Accepted means written: the answer waits for the flush (shared by the jobs that came with it).
			await engine.saved();
			return {id: task.id, name: task.spec.name};
		},

		async wait({name}) {
			const task = one(name);
			await engine.until(() => finished.has(task.record.state.kind));
			const {state} = task.record;
			const exit = 'lastExit' in state ? state.lastExit : null;
			return {id: task.id, state: state.kind, exitCode: exit?.code ?? null, reason: state.reason};
		},

		tasks({states}) {
			if (states !== undefined && !states.every(s => (stateKinds as readonly string[]).includes(s))) {
				throw new TmError('E_USAGE', `--state must be one of ${stateKinds.join(', ')}`);
			}

			const wanted = new Set<string>(states ?? stateKinds);
			return {tasks: engine.list().filter(task => wanted.has(task.record.state.kind)).map(task => taskDoc(task, engine.config.daemon))};
		},

		cancel: ({names}) =>
			each(engine, names, async task => {
				if (task.spec.kind !== 'job') {
					return `${task.id} is a program; use tm stop`;
				}

				if (finished.has(task.record.state.kind)) {
					return `${task.id} has already finished (${task.record.state.kind})`;
				}

				await task.request({type: 'stop', reason: 'cancelled', cause: 'cancelled'});
				return null;
			}),

		retry(params) {
			const notBefore = eligibleAt(params, clock.now(), 'retry');
			const event: TaskEvent = notBefore === undefined ? {type: 'retry'} : {type: 'retry', eligibleAt: notBefore};
			return each(engine, params.names, task => machineDecides(task, event, kind => `${task.id} is ${kind}; only failed tasks can be retried`));
		},

		// Seed 003's MoveToDeadLetter: what runs is stopped first (stop signal, SIGKILL after its stoptime), as a cancel is.
		fail: ({names, reason}) =>
			each(engine, names, async task => {
				if (task.spec.kind !== 'job') {
					return `${task.id} is a program; tm fail is for jobs (tm stop stops a program)`;
				}

				return machineDecides(task, {type: 'fail', ...(reason === undefined ? {} : {reason})}, kind => `${task.id} has already finished (${kind})`);
			}),
		pause: ({names}) => each(engine, names, task => machineDecides(task, {type: 'pause'}, kind => `${task.id} is ${kind}; only a running task can be paused`)),
		resume: ({names}) => each(engine, names, task => machineDecides(task, {type: 'resume'}, kind => `${task.id} is ${kind}, not paused`)),

		notify({task: name, lines}) {
			const task = one(name);
			const bad = task.receive(lines);
			if (bad > 0) {
				throw new TmError('E_USAGE', `${bad} of ${lines.length} lines were not notify messages (READY=1, WATCHDOG=1, PROGRESS=N text, STATUS=text, CHECKPOINT=data)`);
			}

			return {ok: true} as const;
		},

		describe: ({name}) => detailDoc(one(name), engine.config.daemon, numprocs),
	}, engine, cluster);
}
