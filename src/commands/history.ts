/**
 * `tm history NAME|ID [--limit N] [--json]`: a task's runs and events, newest first, read
 * straight from the database (read-only), so it works with the daemon down.
 */
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import {databasePath, resolveHome} from '../core/paths.js';
import {openReadonlyStore} from '../store/readonly.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';
import {formatDuration, formatTime, table} from './format.js';

export type HistoryOptions = GlobalOptions & {limit?: string};

export async function runHistory(name: string, options: HistoryOptions, deps: Deps): Promise<number> {
	const limit = Number(options.limit ?? 20);
	if (!Number.isInteger(limit) || limit < 1) {
		return reportError(deps.io, options.json, new TmError('E_USAGE', `--limit takes a whole number ≥ 1, got "${options.limit}"`));
	}

	const home = resolveHome(options.home, deps.env);
	let store;
	try {
		store = openReadonlyStore(databasePath(home));
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	try {
		const history = store.history(name, limit);
		if (history === null) {
			return reportError(deps.io, options.json, new TmError('E_UNKNOWN_TASK', `no task or program named "${name}" in ${databasePath(home)}`), {
				name,
			});
		}

		if (options.json) {
			printJson(deps.io, history);
			return 0;
		}

		deps.io.out(`runs of ${history.taskId} (newest first)\n`);
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
		deps.io.out(`\nevents of ${history.taskId} (newest first)\n`);
		deps.io.out(
			table(
				['time', 'type', 'change', 'cause', 'reason'],
				history.events.map(event => {
					const data = event.data as {from?: string; to?: string; reason?: string; cause?: string};
					return [formatTime(event.at), event.type, data.from && data.to ? `${data.from} -> ${data.to}` : '', data.cause ?? '-', String(data.reason ?? '')];
				}),
			),
		);
		return 0;
	} finally {
		store.close();
	}
}

export function registerHistory(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('history')
		.description("a task's runs and events, newest first (works with the daemon down)")
		.argument('<name>', 'task id or program name')
		.option('-n, --limit <n>', 'how many runs and events', '20')
		.action(async (name: string, options: HistoryOptions, command: Command) => {
			done(await runHistory(name, {...command.optsWithGlobals(), ...options}, deps));
		});
}
