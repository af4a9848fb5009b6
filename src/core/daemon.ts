/**
 * The composition root of the supervisor: makes the home folder, opens the store, recovers what
 * the last daemon left (see recovery.ts), builds the engine, wires events to the daemon log and
 * to the caller, runs retention, and shuts everything down in order. The one core module that
 * imports the store.
 */
import {randomUUID} from 'node:crypto';
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {Store} from '../store/index.js';
import {createAlerter, type Alerter} from './alerts/index.js';
import {systemClock, type Clock, type TimerHandle} from './clock.js';
import {logDefaults, programDefaults} from './config/defaults.js';
import {expandTasks, formatIssue, loadConfigFile} from './config/index.js';
import {Engine, type TaskEventRecord} from './engine.js';
import {messageOf, TmError} from './errors.js';
import {daemonJsonLine, eventJsonLine} from './event-log.js';
import {StartupPages} from './memory.js';
import {nativeSpawnProblem} from './process/native-spawn.js';
import {LogFile} from './log/log-file.js';
import {databasePath} from './paths.js';
import type {Config} from './model.js';
import {isOrphanAlive, stopOrphan, type Orphan} from './process/orphans.js';
import {bootId as readBootId, processStartTime} from './process/proc.js';
import {findTaskProcesses, unrecordedStarts, type TaskProcess} from './process/unrecorded.js';
import {planRecovery, type RecoveredTask, type RecoveryPlan} from './recovery.js';
import {Monitor} from './monitor.js';
import {sampleHost} from './resources/host.js';
import {ResourceSampler} from './resources/sampler.js';
import {Schedules} from './schedules.js';
import {controlHandlers} from './control/handlers.js';
import type {ReloadResult} from './ipc/methods.js';
import {RpcServer} from './ipc/server.js';
import {applyReload, planReload} from './reload.js';
import type {Supervisor} from './supervisor.js';
import {version} from './version.js';
import type {WebServer} from './web/server.js';

export type DaemonOptions = {
	config: Config;
	home: string;
	cwd: string;
	env: Record<string, string | undefined>;
	socketPath: string | null;
	clock?: Clock;
	random?: () => number;
	/** Called with every event after it is saved and logged. */
	onEvent?(event: TaskEventRecord): void;
	/** Problems the daemon hits outside any task (an unwritable daemon log, a full disk, …). */
	onWarning?(message: string): void;
	/** A client asked the daemon to stop (`tm down`). */
	onShutdownRequest?(): void;
};

export type Daemon = {
	engine: Engine;
	store: Store;
	startedAt: number;
	bootId: string;
	/** Resolves once every process left by a previous daemon has been dealt with. */
	recovered: Promise<void>;
	/** The sampling and liveness loop. */
	monitor: Monitor;
	/** Re-reads the config file and applies the difference (or only plans it, with `dryRun`). */
	reload(dryRun?: boolean): Promise<ReloadResult>;
	shutdown(reason?: string): Promise<void>;
	/** The web view, when `taskmaster.http` is set. */
	web: WebServer | null;
	/** Mail alerts, when `taskmaster.email` is set. */
	alerter: Alerter | null;
};

/** The daemon log rotates like a task log (10 MiB, 5 backups); its JSON lines carry their own time. */
const daemonLogSpec = {...logDefaults, timestamps: false};
/** How long shutdown waits for alert mails still waiting to go out. */
const alertFlushMs = 10_000;
const pruneBatch = 500;

/**
 * Starts supervising. The control socket is claimed first, so a second daemon on the same home
 * fails (E_DAEMON_RUNNING) before it touches the store or any process. Throws a TmError
 * (E_STORE) when the database cannot be used.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
	const clock = options.clock ?? systemClock;
	const warn = (message: string): void => options.onWarning?.(message);
	mkdirSync(options.home, {recursive: true, mode: 0o700});
	const bootId = readBootId(options.env);
	const baseEnv = Object.fromEntries(
		Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
	);
	let store: Store | null = null;
	let monitor: Monitor | null = null;
	let reload: (dryRun: boolean) => Promise<ReloadResult> = () => Promise.reject(new TmError('E_INTERNAL', 'the daemon is still starting'));
	const engine = new Engine(options.config, [], {
		clock,
		random: options.random ?? Math.random,
		home: options.home,
		baseEnv,
		cwd: options.cwd,
		socketPath: options.socketPath,
		bootId,
		persist: batch => store?.writeBatch(batch),
		onWarning: warn,
	});
	const startedAt = clock.now();
	const daemonDoc = () => ({
		pid: process.pid,
		startedAt: new Date(startedAt).toISOString(),
		version,
		home: options.home,
		config: options.config.file,
	});
	// The daemon log opens later (in run); alerts reach it through this sink.
	const sink = {log: (_line: string): void => {}};
	let web: WebServer | null = null;
	const alerter = createAlerter(options.config.daemon, {
		clock,
		warn,
		log: (message, data) => sink.log(daemonJsonLine(clock.now(), message, data)),
		webUrl: () => web?.url ?? null,
	});
	const server =
		options.socketPath === null
			? null
			: new RpcServer({
					socketPath: options.socketPath,
					version,
					clock,
					handlers: controlHandlers({
						engine,
						daemon: daemonDoc,
						shutdown: () => options.onShutdownRequest?.(),
						reload: dryRun => reload(dryRun),
						host: () => monitor?.host ?? null,
						alerter,
					}),
					onError: (error, where) => warn(`control socket (${where}): ${messageOf(error)}`),
				});
	await server?.listen();
	try {
		const {http, httpToken: token} = options.config.daemon;
		const logfile = daemonLogPath(options);
		const alerts = () => alerter?.stats() ?? null;
		// Loaded only when configured: without it the daemon never loads node:http and the page (about 1 MiB of RSS).
		web = http === null ? null : await (await import('./web/server.js')).WebServer.start({engine, clock, address: http, token, daemon: daemonDoc, startedAt, version, logfile, alerts, host: () => monitor?.host ?? null, onWarning: warn});
		store = Store.open(databasePath(options.home));
	} catch (error) {
		await web?.close();
		await server?.close();
		throw error;
	}

	const daemon = run(options, {clock, warn, engine, store, server, bootId, startedAt, web, alerter, sink});
	reload = dryRun => daemon.reload(dryRun);
	monitor = daemon.monitor;
	return daemon;
}

type Parts = {
	clock: Clock;
	warn: (message: string) => void;
	engine: Engine;
	store: Store;
	server: RpcServer | null;
	bootId: string;
	startedAt: number;
	web: WebServer | null;
	alerter: Alerter | null;
	sink: {log(line: string): void};
};

function run(options: DaemonOptions, parts: Parts): Daemon {
	const {clock, warn, engine, store, server, bootId, startedAt, web, alerter} = parts;
	const logfile = openDaemonLog(options, clock, warn);
	const writeLog = (line: string): void => {
		try {
			logfile?.write(Buffer.from(line));
		} catch (error) {
			warn(`cannot write the daemon log: ${messageOf(error)}`);
		}
	};

	parts.sink.log = writeLog;
	engine.on(event => {
		if (logfile !== null) {
			writeLog(eventJsonLine(event));
		}

		alerter?.observe(event);
		options.onEvent?.(event);
	});

	const plan = planRecovery({
		specs: expandTasks(options.config),
		rows: store.loadTasks(),
		openRuns: store.openRuns(),
		bootId,
		lastBootId: store.getMeta('boot_id'),
		now: startedAt,
		isAlive: run => isOrphanAlive(run),
	});
	store.writeBatch({tasks: [], runStarts: [], runEnds: plan.runEnds, events: plan.events});
	if (options.socketPath !== null) {
		addUnrecorded(plan, findTaskProcesses(options.socketPath), plan.rebooted ? null : store.getMeta('daemon_start_ticks'), (id, attempt) => store?.hasRun(id, attempt) ?? true);
	}

	store.setMeta('daemon_start_ticks', processStartTime(process.pid) ?? '');
	store.setMeta('boot_id', bootId);
	store.setMeta('daemon_pid', String(process.pid));
	store.setMeta('daemon_instance', randomUUID());
	store.setMeta('daemon_started_at', String(startedAt));
	writeLog(
		daemonJsonLine(startedAt, 'daemon started', {pid: process.pid, tasks: plan.tasks.length, rebooted: plan.rebooted, bootId, spawn: spawnMode()}),
	);
	if (web !== null) {
		writeLog(daemonJsonLine(startedAt, 'web view listening', {url: web.url}));
	}

	const recovered = Promise.all([
		...plan.tasks.map(async item => {
			const task = engine.add(item.spec, item);
			await stopOrphans(item.orphans, clock, task, engine);
			act(item, task, engine);
		}),
		stopOrphans(plan.strayOrphans, clock, null, engine),
	]).then(() => undefined);

	let pruneTimer: TimerHandle | null = null;
	// The daemon section as it is now: a reload may have changed retention and the interval.
	const prune = (): void => {
		const {retention, cleanupIntervalMs} = engine.config.daemon;
		try {
			// Finished jobs leave the live list first, then the store loses their rows and old history.
			engine.forgetFinishedJobs(clock.now() - retention.finishedMs);
			const result = store.prune({now: clock.now(), finishedMs: retention.finishedMs, historyMs: retention.historyMs, batchSize: pruneBatch});
			// More to do: carry on in a later turn, so the daemon never stalls on a big cleanup.
			pruneTimer = clock.at(clock.now() + (result.more ? 0 : cleanupIntervalMs), prune);
		} catch (error) {
			warn(`cleanup failed, retrying later: ${messageOf(error)}`);
			pruneTimer = clock.at(clock.now() + cleanupIntervalMs, prune);
		}
	};

	pruneTimer = clock.at(startedAt + options.config.daemon.cleanupIntervalMs, prune);
	const sampler = new ResourceSampler();
	const monitor = new Monitor({
		engine,
		clock,
		sampler,
		sampleHost: async () => sampleHost(options.home),
		intervalMs: options.config.daemon.sampleIntervalMs,
		onWarning: warn,
	});
	monitor.start();
	const schedules = new Schedules(engine, clock, warn);
	const startupPages = new StartupPages(clock, bytes => writeLog(daemonJsonLine(clock.now(), 'start-up pages released', {mib: Math.round(bytes / 1048576)})));
	void recovered.then(() => {
		schedules.refresh();
		startupPages.settle();
	});
	// One reload at a time, in the order asked.
	let reloading: Promise<unknown> = recovered;

	return {
		engine,
		store,
		startedAt,
		bootId,
		recovered,
		reload(dryRun = false) {
			const next = reloading.then(async () => reloadConfig(engine, dryRun)).then(result => {
				if (result.applied) {
					schedules.refresh();
					startupPages.settle();
				}

				return result;
			});
			reloading = next.catch(() => undefined);
			return next.then(result => {
				if (result.applied) {
					engine.note(null, 'reload', {...result, reason: describeReload(result)});
					writeLog(daemonJsonLine(clock.now(), 'config reloaded', {...result}));
				}

				return result;
			});
		},
		monitor,
		web,
		alerter,
		async shutdown(reason = 'daemon shutting down') {
			pruneTimer?.cancel();
			startupPages.stop();
			monitor.stop();
			schedules.stop();
			await recovered;
			await engine.stopAll(reason);
			await server?.close();
			await web?.close();
			await flushAlerts(alerter, clock);
			writeLog(daemonJsonLine(clock.now(), 'daemon stopped'));
			logfile?.close();
			store.close();
		},
	};
}

async function reloadConfig(engine: Engine, dryRun: boolean): Promise<ReloadResult> {
	const file = engine.config.file;
	if (file === null) {
		throw new TmError('E_CONFIG_NOT_FOUND', 'the daemon was started without a config file; nothing to reload');
	}

	const loaded = await loadConfigFile(file);
	if (!loaded.ok) {
		const issues = loaded.error.map(issue => formatIssue(issue)).join('\n');
		throw new TmError('E_CONFIG_INVALID', `${file} is invalid; nothing was changed:\n${issues}`);
	}

	const plan = planReload(engine.config, loaded.value);
	if (!dryRun) {
		await applyReload(engine, loaded.value, plan);
	}

	return {...plan, applied: !dryRun};
}

function describeReload(result: ReloadResult): string {
	const parts = [
		result.added.length > 0 ? `added ${result.added.join(', ')}` : '',
		result.removed.length > 0 ? `removed ${result.removed.join(', ')}` : '',
		result.changed.length > 0 ? `changed ${result.changed.map(c => c.name).join(', ')}` : '',
	].filter(Boolean);
	return `config reloaded: ${parts.length > 0 ? parts.join('; ') : 'no program changed'}`;
}

/** Sends the alerts still waiting, giving up after {@link alertFlushMs}. */
async function flushAlerts(alerter: Alerter | null, clock: Clock): Promise<void> {
	if (alerter === null) {
		return;
	}

	let timer: TimerHandle | null = null;
	await Promise.race([alerter.flush(), new Promise<void>(resolve => (timer = clock.at(clock.now() + alertFlushMs, resolve)))]);
	(timer as TimerHandle | null)?.cancel();
	alerter.close();
}

/** How tasks are started: tm's addon, or node:child_process and why. */
function spawnMode(): string {
	const problem = nativeSpawnProblem();
	return problem === null ? 'posix_spawn' : `node:child_process (${problem})`;
}

/** `taskmaster.logfile` as an absolute path, or null. */
function daemonLogPath(options: DaemonOptions): string | null {
	const file = options.config.daemon.logfile;
	return file === null ? null : path.resolve(options.cwd, file);
}

function openDaemonLog(options: DaemonOptions, clock: Clock, warn: (message: string) => void): LogFile | null {
	const file = daemonLogPath(options);
	if (file === null) {
		return null;
	}

	try {
		return LogFile.open(file, daemonLogSpec, () => clock.now());
	} catch (error) {
		warn(`daemon log disabled: ${messageOf(error)}`);
		return null;
	}
}

/**
 * Processes the last daemon started but never recorded (killed in the pass that started them:
 * process/unrecorded.ts) join their task's orphans, so they are stopped before it starts again;
 * those of a task this daemon does not have are stopped with the default signal and time.
 */
function addUnrecorded(plan: RecoveryPlan, found: TaskProcess[], previousStart: string | null, hasRun: (taskId: string, attempt: number) => boolean): void {
	const byId = new Map(plan.tasks.map(item => [item.spec.id, item]));
	const known = new Set([...plan.tasks.flatMap(item => item.orphans), ...plan.strayOrphans].map(orphan => orphan.pid));
	for (const process of unrecordedStarts(found, previousStart, hasRun)) {
		if (!known.has(process.pid)) {
			const item = byId.get(process.taskId);
			const stop = item?.spec ?? programDefaults;
			(item?.orphans ?? plan.strayOrphans).push({pid: process.pid, pidStart: process.pidStart, stopsignal: stop.stopsignal, stoptimeMs: stop.stoptimeMs, unrecorded: true});
		}
	}
}

async function stopOrphans(orphans: Orphan[], clock: Clock, task: Supervisor | null, engine: Engine): Promise<void> {
	await Promise.all(
		orphans.map(async orphan => {
			const how = await stopOrphan(orphan, clock);
			if (how !== 'not-running') {
				const what = orphan.unrecorded ? 'started by a previous daemon that died before recording it' : 'left by a previous daemon';
				engine.note(task?.id ?? null, 'orphan-stopped', {pid: orphan.pid, how, reason: `pid ${orphan.pid} ${what} ${how}`});
			}
		}),
	);
}

function act(item: RecoveredTask, task: Supervisor, engine: Engine): void {
	switch (item.then) {
		case 'start': {
			task.dispatch({type: 'start', reason: item.record.want === 'up' && item.record.attempt > 0 ? 'restored' : 'autostart'});
			break;
		}

		case 'enqueue': {
			engine.requeue(task);
			break;
		}

		case 'arm-timer': {
			task.resumeTimer();
			break;
		}

		case 'none': {
			break;
		}
	}
}
