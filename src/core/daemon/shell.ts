/**
 * The daemon as a process (`tm up --foreground`): it supervises until SIGTERM, SIGINT or `tm
 * down`, then stops every task gracefully; SIGHUP reloads the config. An error nothing caught
 * stops every task the same way, and the process then exits with 1: no way out of the daemon
 * leaves a task running that no record names. Its readable lines go to stderr (stderr.ts), which
 * never throws (stderr-writer.ts: a full disk under `tmd.out` is counted). Under systemd (`tm
 * startup`) it says when it is ready and when it stops (systemd.ts), and keeps systemd's
 * variables from its tasks.
 */
import {holdOpen, systemClock} from '../clock.js';
import {DiskHealth} from '../disk-health.js';
import type {Config} from '../model.js';
import {messageOf} from '../errors.js';
import {eventHumanLine} from '../event-log.js';
import {startDaemon, type Daemon} from './compose.js';
import {formatPlan} from './reload-text.js';
import {daemonStderr, type DaemonStderr} from './stderr.js';
import {stderrWriter} from './stderr-writer.js';
import {notifySystemd, withoutSystemdVariables} from './systemd.js';

type Env = Record<string, string | undefined>;
type OnSignal = (signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void) => () => void;

export type ShellOptions = {
	config: Config;
	/** The config file, as messages name it. */
	file: string;
	home: string;
	socketPath: string;
	cwd: string;
	/** The process's environment: systemd's variables are read here and kept from the tasks. */
	env: Env;
	/** Writes to stderr. */
	err(text: string): void;
	/** Registers a handler for process signals; returns a function that removes it. */
	onSignal: OnSignal;
	/** Registers a handler for errors nothing caught (uncaught exceptions, unhandled rejections). */
	onCrash?(handler: (error: unknown) => void): () => void;
	/** stderr is this file (a background start's `tmd.out`), rotated in place past `maxSize` bytes. */
	output: {file: string; maxSize: number} | null;
};

export type Shell = {
	/** Resolves once a stop was asked and every task has stopped, with the exit code (1 after an internal error). */
	stopped: Promise<number>;
};

/**
 * Starts the daemon; rejects (having said nothing) when it cannot start, with what
 * {@link startDaemon} threw. SIGTERM and SIGINT are heard from the start: one that comes while
 * the daemon starts stops it as soon as it has.
 */
export async function startShell(options: ShellOptions): Promise<Shell> {
	const disk = new DiskHealth(systemClock);
	const err = daemonStderr(stderrWriter(2, options.output?.file ?? null, options.err, systemClock, disk), options.output);
	let requestStop: (why: string) => void = () => {};
	const stopRequested = new Promise<string>(resolve => {
		requestStop = resolve;
	});
	const off = options.onSignal(['SIGTERM', 'SIGINT'], signal => requestStop(signal));
	let crashed = false;
	const offCrash =
		options.onCrash?.(error => {
			err.now(`tm: internal error, stopping every task: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			crashed = true;
			requestStop('internal error');
		}) ?? (() => {});
	let daemon: Daemon;
	try {
		daemon = await startDaemon({
			config: options.config,
			home: options.home,
			cwd: options.cwd,
			env: withoutSystemdVariables(options.env),
			socketPath: options.socketPath,
			onEvent: event => err.line(eventHumanLine(event)),
			onWarning: message => err.now(`tm: ${message}\n`),
			onShutdownRequest: () => requestStop('tm down'),
			disk,
		});
	} catch (error) {
		off();
		offCrash();
		err.now('');
		throw error;
	}

	// Finished jobs kept for their history are not supervised.
	const over = new Set(['completed', 'failed', 'fatal', 'stopped']);
	const tasks = daemon.engine.list().filter(task => task.spec.kind === 'service' || !over.has(task.record.state.kind)).length;
	const {file, home, socketPath, env} = options;
	err.now(`tm: supervising ${tasks} tasks from ${file} (home ${home}, socket ${socketPath}); Ctrl-C stops them all\n`);
	const offHup = options.onSignal(['SIGHUP'], () => reloadOnHup(daemon, err));
	// Task timers do not hold the event loop open; the daemon does, until it is told to stop.
	const release = holdOpen();
	const ready = notifySystemd(env, ['--ready', `--pid=${process.pid}`, `--status=supervising ${tasks} tasks from ${file}`]).then(warnIf(err));
	const stopped = stopRequested.then(async why => {
		off();
		offHup();
		err.now(`tm: ${why}: stopping every task\n`);
		await ready;
		const stopping = notifySystemd(env, ['--status=stopping every task', 'STOPPING=1']).then(warnIf(err));
		await daemon.shutdown(`daemon stopping (${why})`);
		await stopping;
		release();
		offCrash();
		err.now('tm: all tasks stopped\n');
		return crashed ? 1 : 0;
	});
	return {stopped};
}

function reloadOnHup(daemon: Daemon, err: DaemonStderr): void {
	daemon.reload().then(
		plan => err.now(`tm: SIGHUP: ${formatPlan(plan).trimEnd().replaceAll('\n', '; ')}\n`),
		(error: unknown) => err.now(`tm: SIGHUP: reload refused: ${messageOf(error)}\n`),
	);
}

const warnIf =
	(err: DaemonStderr) =>
	(problem: string | null): void => {
		if (problem !== null) {
			err.now(`tm: ${problem}\n`);
		}
	};
