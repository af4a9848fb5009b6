/**
 * `tm up [-c FILE]`: starts the daemon in the background and waits until it answers, or says it
 * is already running. `tm up --foreground`: this process is the daemon (core/daemon/shell.ts),
 * attached to this terminal until SIGTERM, SIGINT or `tm down`.
 */
import {Option, type Command} from 'commander';
import {formatIssue, loadConfigFile} from '../core/config/index.js';
import {SocketClient} from '../core/client/socket-client.js';
import {logDefaults} from '../core/config/defaults.js';
import {exposureWarnings} from '../core/daemon/exposure.js';
import {applyDaemonJit} from '../core/v8-flags.js';
import {startShell} from '../core/daemon/shell.js';
import {TmError} from '../core/errors.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import {startInBackground} from './background.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';
import {configPath} from './validate.js';

export type UpOptions = GlobalOptions & {config?: string; foreground?: boolean; output?: string; outputMaxSize?: string};

export async function runUp(options: UpOptions, deps: Deps): Promise<number> {
	if (!options.foreground) {
		return runBackground(options, deps);
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
	applyDaemonJit(deps.env);
	let shell;
	try {
		shell = await startShell({
			config: loaded.value,
			file,
			home,
			socketPath: resolveSocket(options.socket, home, deps.env),
			cwd: deps.cwd,
			env: deps.env,
			err: text => deps.io.err(text),
			onSignal: (signals, handler) => deps.onSignal(signals, handler),
			onCrash: deps.onCrash,
			// Started in the background: stderr is tmd.out, rotated like the daemon log.
			output: options.output === undefined ? null : {file: options.output, maxSize: Number(options.outputMaxSize ?? logDefaults.maxSize)},
		});
	} catch (error) {
		// Started by a background `tm up` (`--output`): as JSON, so that it reports the error with its code.
		return reportError(deps.io, options.json === true || options.output !== undefined, error);
	}

	return shell.stopped;
}

export function registerUp(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('up')
		.description('start the supervisor')
		.option('-c, --config <file>', 'config file (default ./tm.yaml)')
		.option('--foreground', 'stay attached (for systemd and containers)')
		// Given by a background start: stderr is this file, rotated in place (tests set the size).
		.addOption(new Option('--output <file>').hideHelp())
		.addOption(new Option('--output-max-size <bytes>').hideHelp())
		.action(async (options: UpOptions, command: Command) => {
			done(await runUp({...command.optsWithGlobals(), ...options}, deps));
		});
}

/** `tm up` without --foreground: reports a running daemon, or starts one and waits for it. */
async function runBackground(options: UpOptions, deps: Deps): Promise<number> {
	const home = resolveHome(options.home, deps.env);
	const socket = resolveSocket(options.socket, home, deps.env);
	try {
		const client = await SocketClient.connect(socket, {client: 'tm-up', timeoutMs: 2000});
		const status = await client.call('status', {});
		void client.close();
		const asked = options.config ? configPath(options.config, deps) : null;
		const other = asked !== null && asked !== status.daemon.config;
		const message = other
			? `tm: a daemon is already running (pid ${status.daemon.pid}) with ${status.daemon.config}, not ${asked}; nothing changed (tm down first)`
			: `tm: already running (pid ${status.daemon.pid}, socket ${socket})`;
		if (options.json) {
			printJson(deps.io, {pid: status.daemon.pid, socket, alreadyRunning: true, config: status.daemon.config});
		} else {
			deps.io.out(`${message}\n`);
		}

		return 0;
	} catch (error) {
		if (!(error instanceof TmError) || error.code !== 'E_DAEMON_NOT_RUNNING') {
			return reportError(deps.io, options.json, error);
		}
	}

	try {
		const file = configPath(options.config, deps);
		const loaded = await loadConfigFile(file);
		if (!loaded.ok) {
			for (const issue of loaded.error) {
				deps.io.err(`${formatIssue(issue)}\n`);
			}

			deps.io.err(`tm: ${file} is invalid; the daemon was not started\n`);
			return 2;
		}

		// The daemon says these in tmd.out and its log; the person starting it sees them here.
		for (const message of exposureWarnings(loaded.value, home, deps.cwd)) {
			deps.io.err(`tm: ${message}\n`);
		}

		const started = await startInBackground(deps, home, socket, ['-c', file, ...(options.socket ? ['--socket', options.socket] : [])]);
		if (options.json) {
			printJson(deps.io, {pid: started.pid, socket, alreadyRunning: false, config: file});
		} else {
			deps.io.out(`tm: daemon started (pid ${started.pid}, socket ${socket}, output ${started.output})\n`);
		}

		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}
