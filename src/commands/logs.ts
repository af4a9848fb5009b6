/**
 * `tm logs NAME [-f] [-n N] [--stderr|--stdout]`: the last lines of a task's output, then (with
 * -f) every new line until Ctrl-C or the daemon goes away. Both streams by default, stderr
 * lines marked.
 */
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import type {LogLineDoc} from '../core/ipc/methods.js';
import {connect} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type LogsOptions = GlobalOptions & {follow?: boolean; lines?: string; stderr?: boolean; stdout?: boolean};

export async function runLogs(name: string, options: LogsOptions, deps: Deps): Promise<number> {
	const lines = Number(options.lines ?? 20);
	if (!Number.isInteger(lines) || lines < 0) {
		return reportError(deps.io, options.json, new TmError('E_USAGE', `-n takes a whole number, got "${options.lines}"`));
	}

	const stream = options.stderr ? 'stderr' : options.stdout ? 'stdout' : 'both';
	const print = (line: LogLineDoc): void => {
		if (options.json && options.follow) {
			deps.io.out(`${JSON.stringify(line)}\n`);
		} else if (!options.json) {
			deps.io.out(stream === 'both' && line.stream === 'stderr' ? `[stderr] ${line.text}\n` : `${line.text}\n`);
		}
	};

	let client: Awaited<ReturnType<typeof connect>> | null = null;
	try {
		client = await connect(options, deps);
		if (!options.follow) {
			const doc = await client.call('logs', {name, lines, stream});
			if (options.json) {
				printJson(deps.io, doc);
			} else {
				doc.lines.forEach(print);
			}

			await client.close();
			return 0;
		}

		const following = await client.followLogs({name, lines, stream}, {tail: tail => tail.forEach(print), line: print, dropped: () => {}});
		const off = deps.onSignal(['SIGINT', 'SIGTERM'], () => void following.close());
		await following.ended;
		off();
		// Closing the client ends its follow: only now.
		await client.close();
		return 0;
	} catch (error) {
		// An unknown name, a bad option: the connection must not keep the process alive.
		void client?.close();
		return reportError(deps.io, options.json, error, {name});
	}
}

export function registerLogs(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('logs')
		.description("a task's output: the last lines, then new ones with -f")
		.argument('<name>', 'task id (web:0) or program')
		.option('-f, --follow', 'keep printing new lines')
		.option('-n, --lines <n>', 'how many lines first', '20')
		.option('--stderr', 'only stderr')
		.option('--stdout', 'only stdout')
		.action(async (name: string, options: LogsOptions, command: Command) => {
			done(await runLogs(name, {...command.optsWithGlobals(), ...options}, deps));
		});
}
