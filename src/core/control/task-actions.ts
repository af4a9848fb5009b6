/**
 * `start`, `stop`, `restart` and `signal` on named tasks. A waiting action answers when the
 * machine says it is over (actions.ts), counted from the moment the machine handled it.
 */
import {outcomeOf, settled, type WaitedAction} from '../actions.js';
import {parseSignal} from '../config/units.js';
import type {Engine} from '../engine.js';
import {TmError} from '../errors.js';
import type {TaskActionResult, TaskActionResults} from '../ipc/methods.js';
import type {TaskEvent} from '../machine.js';
import type {Supervisor} from '../supervisor.js';
import type {TypedHandlers} from './define.js';
import {selectTasks} from './select.js';

function answer(task: Supervisor, action: WaitedAction, wait: boolean): TaskActionResult {
	const state = task.record.state.kind;
	if (!wait) {
		return {name: task.id, ok: true, outcome: 'accepted', state};
	}

	const {outcome, error} = outcomeOf(action, task.mark);
	return error === undefined ? {name: task.id, ok: outcome === 'done', outcome, state} : {name: task.id, ok: false, outcome, state, error};
}

/** Sends `action` to each task and, with `wait`, resolves once the machine says each is over. */
export async function act(engine: Engine, tasks: Supervisor[], action: WaitedAction, wait: boolean): Promise<TaskActionResults> {
	const event: TaskEvent = {type: action};
	const marks = await Promise.all(tasks.map(task => task.request(event)));
	if (wait) {
		await engine.until(() => tasks.every((task, i) => settled(action, marks[i]!, task.mark)));
	}

	return {results: tasks.map(task => answer(task, action, wait))};
}

export function taskActions(engine: Engine): TypedHandlers {
	const pick = (names: string[]): Supervisor[] => selectTasks(names, engine.list());
	return {
		start: ({names, wait}) => act(engine, pick(names), 'start', wait !== false),
		stop: ({names, wait}) => act(engine, pick(names), 'stop', wait !== false),
		restart: ({names, wait}) => act(engine, pick(names), 'restart', wait !== false),
		signal({names, signal: raw}) {
			const signal = parseSignal(raw);
			if (!signal.ok) {
				throw new TmError('E_USAGE', `signal: ${signal.error}`);
			}

			return {
				results: pick(names).map(task =>
					task.signal(signal.value)
						? {name: task.id, ok: true, outcome: 'done', state: task.record.state.kind}
						: {name: task.id, ok: false, outcome: 'failed', state: task.record.state.kind, error: `${task.id} has no running process`},
				),
			};
		},
	};
}
