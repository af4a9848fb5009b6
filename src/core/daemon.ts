/**
 * The composition root of the supervisor: makes the home folder, builds the engine from a
 * loaded config, wires events to the daemon log and to the caller, starts what autostarts,
 * and shuts everything down in order.
 */
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {systemClock, type Clock} from './clock.js';
import {expandTasks} from './config/index.js';
import {Engine, type TaskEventRecord} from './engine.js';
import {daemonJsonLine, eventJsonLine} from './event-log.js';
import {LogFile} from './log/log-file.js';
import type {Config} from './model.js';

export type DaemonOptions = {
	config: Config;
	home: string;
	cwd: string;
	env: Record<string, string | undefined>;
	socketPath: string | null;
	clock?: Clock;
	random?: () => number;
	/** Called with every event after it is logged. */
	onEvent?(event: TaskEventRecord): void;
	/** Problems the daemon hits outside any task (an unwritable daemon log, …). */
	onWarning?(message: string): void;
};

export type Daemon = {
	engine: Engine;
	startedAt: number;
	shutdown(reason?: string): Promise<void>;
};

const daemonLogSpec = {maxSize: 10 * 1024 * 1024, backups: 5, timestamps: false};

export function startDaemon(options: DaemonOptions): Daemon {
	const clock = options.clock ?? systemClock;
	mkdirSync(options.home, {recursive: true, mode: 0o700});
	const baseEnv = Object.fromEntries(
		Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
	);
	const engine = new Engine(options.config, expandTasks(options.config), {
		clock,
		random: options.random ?? Math.random,
		home: options.home,
		baseEnv,
		cwd: options.cwd,
		socketPath: options.socketPath,
	});

	let logfile: LogFile | null = null;
	const logfilePath = options.config.daemon.logfile;
	if (logfilePath !== null) {
		try {
			logfile = LogFile.open(path.resolve(options.cwd, logfilePath), daemonLogSpec, () => clock.now());
		} catch (error) {
			options.onWarning?.(`daemon log disabled: ${(error as Error).message}`);
		}
	}

	const writeLog = (line: string): void => {
		try {
			logfile?.write(Buffer.from(line));
		} catch (error) {
			options.onWarning?.(`cannot write the daemon log: ${(error as Error).message}`);
		}
	};

	engine.on(event => {
		writeLog(eventJsonLine(event));
		options.onEvent?.(event);
	});

	const startedAt = clock.now();
	writeLog(daemonJsonLine(startedAt, 'daemon started', {pid: process.pid, tasks: engine.list().length}));
	engine.startAutostart();

	return {
		engine,
		startedAt,
		async shutdown(reason = 'daemon shutting down') {
			await engine.stopAll(reason);
			writeLog(daemonJsonLine(clock.now(), 'daemon stopped'));
			logfile?.close();
		},
	};
}
