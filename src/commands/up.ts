/**
 * `tm up --foreground [-c FILE]`: runs the supervisor attached to this terminal until SIGTERM or
 * SIGINT, then stops every task gracefully.
 */
import type {Command} from 'commander';
import {formatIssue, loadConfigFile} from '../core/config/index.js';
import {startDaemon} from '../core/daemon.js';
import {TmError} from '../core/errors.js';
import {eventHumanLine} from '../core/event-log.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import type {Deps, GlobalOptions} from './deps.js';
import {reportError} from './output.js';
import {configPath} from './validate.js';

export type UpOptions = GlobalOptions & {config?: string; foreground?: boolean};

export async function runUp(options: UpOptions, deps: Deps): Promise<number> {
	if (!options.foreground) {
		return reportError(
			deps.io,
			options.json,
			new TmError('E_USAGE', 'this build runs the supervisor in the foreground only: run `tm up --foreground`'),
		);
	}

	let file: string;
	try {
		file = configPath(options.config, deps);
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	const loaded = await loadConfigFile(file);
	if (!loaded.ok) {
		for (const issue of loaded.error) {
			deps.io.err(`${formatIssue(issue)}\n`);
		}

		deps.io.err(`tm: ${file} is invalid; nothing was started\n`);
		return 2;
	}

	const home = resolveHome(options.home, deps.env);
	const socketPath = resolveSocket(options.socket, home, deps.env);
	let requestStop: (why: string) => void = () => {};
	const stopRequested = new Promise<string>(resolve => {
		requestStop = resolve;
	});
	const off = deps.onSignal(['SIGTERM', 'SIGINT'], signal => requestStop(signal));
	let daemon;
	try {
		daemon = await startDaemon({
			config: loaded.value,
			home,
			cwd: deps.cwd,
			env: deps.env,
			socketPath,
			onEvent: event => deps.io.err(eventHumanLine(event)),
			onWarning: message => deps.io.err(`tm: ${message}\n`),
			onShutdownRequest: () => requestStop('tm down'),
		});
	} catch (error) {
		off();
		return reportError(deps.io, options.json, error);
	}

	deps.io.err(
		`tm: supervising ${daemon.engine.list().length} tasks from ${file} (home ${home}, socket ${socketPath}); Ctrl-C stops them all\n`,
	);

	// Task timers do not hold the event loop open; the daemon does, until it is told to stop.
	const keepAlive = setInterval(() => {}, 1 << 30);
	const why = await stopRequested;
	off();
	deps.io.err(`tm: ${why}: stopping every task\n`);
	await daemon.shutdown(`daemon stopping (${why})`);
	clearInterval(keepAlive);
	deps.io.err('tm: all tasks stopped\n');
	return 0;
}

export function registerUp(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('up')
		.description('start the supervisor')
		.option('-c, --config <file>', 'config file (default ./tm.yaml)')
		.option('--foreground', 'stay attached (for systemd and containers)')
		.action(async (options: UpOptions, command: Command) => {
			done(await runUp({...command.optsWithGlobals(), ...options}, deps));
		});
}
