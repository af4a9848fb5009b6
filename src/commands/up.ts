/**
 * `tm up --foreground [-c FILE]`: runs the supervisor attached to this terminal until SIGTERM or
 * SIGINT, then stops every task gracefully. Under systemd (`tm startup`) it tells systemd when it
 * is ready and when it stops (systemd.ts), and keeps systemd's variables from its tasks.
 */
import {Option, type Command} from 'commander';
import {formatIssue, loadConfigFile} from '../core/config/index.js';
import {startDaemon} from '../core/daemon/index.js';
import {RpcClient} from '../core/ipc/client.js';
import {messageOf, TmError} from '../core/errors.js';
import {eventHumanLine} from '../core/event-log.js';
import {logDefaults} from '../core/config/defaults.js';
import {OutputRotation} from '../core/log/output-rotation.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import {startInBackground} from './background.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';
import {formatPlan} from './reload.js';
import {notifySystemd, withoutSystemdVariables} from './systemd.js';
import {configPath} from './validate.js';

export type UpOptions = GlobalOptions & {config?: string; foreground?: boolean; output?: string; outputMaxSize?: string};

/**
 * The daemon's readable lines on stderr: the event lines of one pass of the event loop leave in
 * one write (a burst of jobs is hundreds of lines, and each write to a file or pipe is a system
 * call); any other line goes at once, after those, so the order stays.
 */
function batchedErr(write: (text: string) => void): {line(text: string): void; now(text: string): void} {
	let pending = '';
	const flush = (): void => {
		if (pending !== '') {
			const text = pending;
			pending = '';
			write(text);
		}
	};

	return {
		line(text) {
			if (pending === '') {
				setImmediate(flush);
			}

			pending += text;
		},
		now(text) {
			flush();
			if (text !== '') {
				write(text);
			}
		},
	};
}

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
	// Started in the background: stderr is tmd.out, rotated like the daemon log.
	const rotation = options.output === undefined ? null : OutputRotation.of(options.output, 2, {...logDefaults, maxSize: Number(options.outputMaxSize ?? logDefaults.maxSize)});
	const err = batchedErr(text => {
		deps.io.err(text);
		const problem = rotation?.wrote(Buffer.byteLength(text)) ?? null;
		if (problem !== null) {
			deps.io.err(`tm: ${problem}\n`);
		}
	});
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
			env: withoutSystemdVariables(deps.env),
			socketPath,
			onEvent: event => err.line(eventHumanLine(event)),
			onWarning: message => err.now(`tm: ${message}\n`),
			onShutdownRequest: () => requestStop('tm down'),
		});
	} catch (error) {
		off();
		err.now('');
		return reportError(deps.io, options.json, error);
	}

	const tasks = daemon.engine.list().length;
	err.now(`tm: supervising ${tasks} tasks from ${file} (home ${home}, socket ${socketPath}); Ctrl-C stops them all\n`);
	const warnIf = (problem: string | null): void => {
		if (problem !== null) {
			err.now(`tm: ${problem}\n`);
		}
	};

	const offHup = deps.onSignal(['SIGHUP'], () => {
		daemon.reload().then(
			plan => err.now(`tm: SIGHUP: ${formatPlan(plan).trimEnd().replaceAll('\n', '; ')}\n`),
			(error: unknown) => err.now(`tm: SIGHUP: reload refused: ${messageOf(error)}\n`),
		);
	});
	// Task timers do not hold the event loop open; the daemon does, until it is told to stop.
	const keepAlive = setInterval(() => {}, 1 << 30);
	const ready = notifySystemd(deps.env, ['--ready', `--pid=${process.pid}`, `--status=supervising ${tasks} tasks from ${file}`]).then(warnIf);
	const why = await stopRequested;
	off();
	offHup();
	err.now(`tm: ${why}: stopping every task\n`);
	await ready;
	const stopping = notifySystemd(deps.env, ['--status=stopping every task', 'STOPPING=1']).then(warnIf);
	await daemon.shutdown(`daemon stopping (${why})`);
	await stopping;
	clearInterval(keepAlive);
	err.now('tm: all tasks stopped\n');
	return 0;
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
		const client = await RpcClient.connect(socket, {client: 'tm-up', timeoutMs: 2000});
		const status = await client.call('status', {});
		client.close();
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
