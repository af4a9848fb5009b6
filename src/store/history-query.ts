/**
 * What `tm history` reads from tm.db, for the CLI and the HTTP API alike: every task's events
 * (the audit trail), or one task's runs and events, with a filter.
 */
import {TmError} from '../core/errors.js';
import type {RunRow} from '../core/ports.js';
import type {EventFilter, NamedEvent, ReadonlyStore} from './readonly.js';

/** What was read: every task's events, or one task's runs and events. */
export type HistoryFound = {taskId: null; events: NamedEvent[]} | {taskId: string; runs: RunRow[]; events: NamedEvent[]};

/** The task a name means in tm.db: unknown is E_UNKNOWN_TASK; several (a program's instances) are named. */
function oneTask(store: ReadonlyStore, name: string, file: string): string {
	const ids = store.tasksNamed(name);
	if (ids.length === 0) {
		throw new TmError('E_UNKNOWN_TASK', `no task or program named "${name}" in ${file}`);
	}

	if (ids.length > 1) {
		throw new TmError('E_USAGE', `${name} means ${ids.length} tasks (${ids.join(', ')}): give one of their ids, or --all`);
	}

	return ids[0]!;
}

export function readHistory(store: ReadonlyStore, name: string | undefined, filter: EventFilter, file: string): HistoryFound {
	if (name === undefined) {
		return {taskId: null, events: store.events(filter)};
	}

	const taskId = oneTask(store, name, file);
	const history = store.history(taskId, filter.limit)!;
	if (filter.since === undefined && filter.cause === undefined) {
		return {taskId, runs: history.runs, events: history.events.map(event => ({...event, name: null}))};
	}

	// A filter applies to the events; runs are kept when they were still going at `since`.
	const since = filter.since ?? 0;
	const runs = history.runs.filter(run => run.endedAt === null || run.endedAt >= since);
	return {taskId, runs, events: store.events({...filter, taskIds: [taskId]})};
}

/** The JSON document of `tm history --json`: `{events}` for every task (each with its name), `{taskId, runs, events}` for one. */
export function historyDoc(found: HistoryFound): {events: NamedEvent[]} | {taskId: string; runs: RunRow[]; events: Array<Omit<NamedEvent, 'name'>>} {
	return found.taskId === null ? {events: found.events} : {taskId: found.taskId, runs: found.runs, events: found.events.map(({name: _, ...event}) => event)};
}
