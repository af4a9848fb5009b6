/**
 * `tm history NAME|ID [--limit N] [--json]`: a task's runs and events, newest first; `tm history
 * --all [--since 1h] [--cause C]`: the events of every task (the audit trail). Read straight
 * from the database (read-only), so it works with the daemon down.
 */
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import {databasePath, resolveHome} from '../core/paths.js';
import type {RunRow} from '../core/ports.js';
import {openReadonlyStore, type EventFilter, type NamedEvent, type ReadonlyStore} from '../store/readonly.js';
import type {Deps, GlobalOptions} from './deps.js';
import {parseCause, parseSince} from './event-lines.js';
import {printJson, reportError} from './output.js';
import {formatDuration, formatTime, table} from './format.js';

export type HistoryOptions = GlobalOptions & {limit?: string; all?: boolean; since?: string; cause?: string};

type EventData = {from?: string; to?: string; reason?: string; cause?: string};

/** What was read: every task's events, or one task's runs and events. */
type Found = {taskId: null; events: NamedEvent[]} | {taskId: string; runs: RunRow[]; events: NamedEvent[]};

const change = (data: EventData): string => (data.from && data.to ? `${data.from} -> ${data.to}` : '');

/** The options as a filter; throws E_USAGE naming the bad one. */
function filterOf(options: HistoryOptions): EventFilter {
	const limit = Number(options.limit ?? 20);
	if (!Number.isInteger(limit) || limit < 1) {
		throw new TmError('E_USAGE', `--limit takes a whole number ≥ 1, got "${options.limit}"`);
	}

	return {
		limit,
		...(options.since === undefined ? {} : {since: parseSince(options.since, Date.now())}),
		...(options.cause === undefined ? {} : {cause: parseCause(options.cause)}),
	};
}

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

function printAll(deps: Deps, events: NamedEvent[]): void {
	deps.io.out(
		table(
			['time', 'task', 'type', 'change', 'cause', 'reason'],
			events.map(event => {
				const data = event.data as EventData;
				const who = event.taskId === null ? '-' : event.name !== null && event.name !== event.taskId ? `${event.name} (${event.taskId})` : event.taskId;
				return [formatTime(event.at), who, event.type, change(data), data.cause ?? '', String(data.reason ?? '')];
			}),
		),
	);
}

function printTask(deps: Deps, taskId: string, history: {runs: RunRow[]; events: NamedEvent[]}): void {
	deps.io.out(`runs of ${taskId} (newest first)\n`);
	deps.io.out(
		table(
			['attempt', 'pid', 'started', 'ended', 'duration', 'exit', 'reason'],
			history.runs.map(run => [
				String(run.attempt),
				String(run.pid),
				formatTime(run.startedAt),
				run.endedAt === null ? '-' : formatTime(run.endedAt),
				run.endedAt === null ? 'running' : formatDuration(run.endedAt - run.startedAt),
				run.exitSignal ?? (run.exitCode === null ? '-' : String(run.exitCode)),
				run.reason ?? '',
			]),
		),
	);
	deps.io.out(`\nevents of ${taskId} (newest first)\n`);
	deps.io.out(
		table(
			['time', 'type', 'change', 'cause', 'reason'],
			history.events.map(event => {
				const data = event.data as EventData;
				return [formatTime(event.at), event.type, change(data), data.cause ?? '-', String(data.reason ?? '')];
			}),
		),
	);
}

function read(store: ReadonlyStore, name: string | undefined, filter: EventFilter, file: string): Found {
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

export async function runHistory(name: string | undefined, options: HistoryOptions, deps: Deps): Promise<number> {
	const home = resolveHome(options.home, deps.env);
	const file = databasePath(home);
	let store;
	try {
		if ((name === undefined) === (options.all !== true)) {
			throw new TmError('E_USAGE', name === undefined ? 'give a task (tm history web) or --all for every task' : `give ${name} or --all, not both`);
		}

		const filter = filterOf(options);
		store = openReadonlyStore(file);
		const found = read(store, name, filter, file);
		if (found.taskId === null && options.json) {
			// Each with the name its task goes by.
			printJson(deps.io, {events: found.events});
		} else if (found.taskId === null) {
			printAll(deps, found.events);
		} else if (options.json) {
			printJson(deps.io, {taskId: found.taskId, runs: found.runs, events: found.events.map(({name: _, ...event}) => event)});
		} else {
			printTask(deps, found.taskId, found);
		}

		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error, name === undefined ? undefined : {name});
	} finally {
		store?.close();
	}
}

export function registerHistory(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('history')
		.description("a task's runs and events, or with --all every task's events, newest first (works with the daemon down)")
		.argument('[name]', 'task id or program name')
		.option('-n, --limit <n>', 'how many runs and events', '20')
		.option('--all', 'the events of every task: the audit trail')
		.option('--since <when>', 'only events since then: a duration back from now (1h, 30m) or a time (2026-11-23T10:00)')
		.option('--cause <word>', 'only events with this cause (watchdog, exit, requested…; docs/cli-json.md lists them)')
		.action(async (name: string | undefined, options: HistoryOptions, command: Command) => {
			done(await runHistory(name, {...command.optsWithGlobals(), ...options}, deps));
		});
}
