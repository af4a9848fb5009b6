/**
 * `tm history NAME|ID [--limit N] [--json]`: a task's runs and events, newest first; `tm history
 * --all [--since 1h] [--cause C]`: the events of every task (the audit trail). Read straight
 * from the database (read-only), so it works with the daemon down.
 */
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import {databasePath, resolveHome} from '../core/paths.js';
import type {RunRow} from '../core/ports.js';
import {historyDoc, openReadonlyStore, readHistory, type EventFilter, type NamedEvent} from '../store/readonly.js';
import type {Deps, GlobalOptions} from './deps.js';
import {parseCause, parseSince} from './event-lines.js';
import {printJson, reportError} from './output.js';
import {formatDuration, formatTime, table} from './format.js';

export type HistoryOptions = GlobalOptions & {limit?: string; all?: boolean; since?: string; cause?: string};

type EventData = {from?: string; to?: string; reason?: string; cause?: string};

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
		const found = readHistory(store, name, filter, file);
		if (options.json) {
			// Every task's events each with the name its task goes by.
			printJson(deps.io, historyDoc(found));
		} else if (found.taskId === null) {
			printAll(deps, found.events);
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
