/**
 * The composition root: the daemon's start order, written once. Every part is made first, each
 * after what it needs (`makeParts`: no process, socket or tm.db is touched); then the control
 * socket is claimed and tm.db opens (`claim`), recovery is planned, the web view listens; then the daemon runs
 * (`run`): events are heard, what the last daemon left is recovered, housekeeping starts.
 *
 * The socket is claimed before tm.db opens, so a second daemon on the same home fails
 * (E_DAEMON_RUNNING) before it touches tm.db or any process; but what the socket answers needs
 * the engine, so the engine is made before tm.db opens and writes through database.ts.
 */
import {mkdirSync} from 'node:fs';
import {createAlerter, type Alerter} from '../alerts/index.js';
import {systemClock, type Clock} from '../clock.js';
import {LocalClient} from '../client/local-client.js';
import {controlHandlers} from '../control/handlers.js';
import type {Descriptors} from '../descriptors.js';
import {IdleFiles} from '../log/idle-files.js';
import {Engine, type TaskEventRecord} from '../engine.js';
import {EventTally} from '../event-tally.js';
import {messageOf} from '../errors.js';
import {Feed} from '../feed/feed.js';
import {defaultJournalSize} from '../feed/journal.js';
import {DiskHealth} from '../disk-health.js';
import {capacityDoc, diskDoc} from '../documents.js';
import type {Handlers} from '../ipc/dispatch.js';
import type {DaemonDoc, HostDoc, ReloadResult, ScaleParams, ScaleResult} from '../ipc/methods.js';
import {RpcServer} from '../ipc/server.js';
import type {Config, ProgramSpec} from '../model.js';
import {taskCount} from '../config/expand.js';
import type {RecoveryPlan} from '../recovery.js';
import type {Monitor} from '../monitor.js';
import {databasePath, logsFolder} from '../paths.js';
import {Cgroups} from '../cgroups/cgroups.js';
import {poolSample, Slots} from '../slots.js';
import {becomeSubreaper} from '../process/reaper.js';
import {nativeSpawnProblem} from '../process/native-spawn.js';
import {bootId as readBootId} from '../process/proc.js';
import {version} from '../version.js';
import type {WebServer} from '../web/server.js';
import type {Store} from '../../store/index.js';
import {historyDoc, openReadonlyStore, readHistory} from '../../store/readonly.js';
import {ensureToken} from '../web/token.js';
import {ClusterMembership} from './cluster-member.js';
import {DaemonLog} from './daemon-log.js';
import {fileDescriptors} from './descriptors-setup.js';
import {Database} from './database.js';
import {exposureWarnings} from './exposure.js';
import {Housekeeping} from './housekeeping.js';
import {planStart, resume} from './recover.js';
import {Reloads} from './reload.js';
import {Scaler} from './scale.js';
import {stopDaemon} from './shutdown.js';
import {WebView} from './web-view.js';

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
	/** Whether the daemon's files can be written; the shell makes it first, for its own stderr. */
	disk?: DiskHealth;
	/** The host as sampled (tests: the adaptive pool on a manual clock); else the real one. */
	sampleHost?(): Promise<HostDoc>;
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
	/** The web view, when `taskmaster.http` is set (or `logfile`, which brings the log view). */
	web: WebServer | null;
	/** Mail alerts, when `taskmaster.email` is set. */
	alerter: Alerter | null;
	/** Whether the daemon's files can be written. */
	disk: DiskHealth;
	/** The slots now (max_running, tm scale --slots, the adaptive pool). */
	slots: Slots;
	/** `tm scale`, in process. */
	scale(params: ScaleParams): Promise<ScaleResult>;
};

/** The parts, in the order they are made. */
type Parts = {
	options: DaemonOptions;
	clock: Clock;
	warn: (message: string) => void;
	bootId: string;
	startedAt: number;
	about: () => DaemonDoc;
	disk: DiskHealth;
	log: DaemonLog;
	database: Database;
	descriptors: Descriptors;
	slots: Slots;
	/** Made here, set up once the socket is ours (`run`): a second daemon never touches them. */
	cgroups: Cgroups;
	engine: Engine;
	/** What only events tell (jobs finished, events published), for `/metrics`. */
	tally: EventTally;
	feed: Feed;
	handlers: Handlers;
	web: WebView;
	alerter: Alerter | null;
	housekeeping: Housekeeping;
	reloads: Reloads;
	scaler: Scaler;
	server: RpcServer | null;
	/** `taskmaster.cluster`: this daemon as a member (its modules loaded only then). */
	cluster: ClusterMembership;
};

/**
 * Starts supervising. Throws E_DAEMON_RUNNING when another daemon answers on the socket, and
 * a TmError (E_STORE) when the database cannot be used.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
	const parts = makeParts(options);
	const store = await claim(parts);
	let plan: RecoveryPlan;
	try {
		// `tm scale`'s counts first: recovery plans the instances they say.
		parts.scaler.restore(store, options.config);
		const count = (program: ProgramSpec): number => parts.scaler.count(program);
		plan = planStart({store, config: options.config, count, socketPath: options.socketPath, bootId: parts.bootId, startedAt: parts.startedAt});
		await listenWeb(parts);
	} catch (error) {
		// A read or write of tm.db failed, or the web view's address: a daemon that cannot start must not hold the socket.
		await release(parts);
		store.close();
		throw error;
	}

	const daemon = run(parts, store, plan);
	if (options.config.daemon.cluster) {
		try {
			// After recovery: what a previous daemon here held is given back to the cluster.
			await daemon.recovered;
			await parts.cluster.start({engine: parts.engine, clock: parts.clock, env: options.env, note: (message, data) => parts.log.note(message, data), warn: parts.warn});
		} catch (error) {
			await daemon.shutdown('the cluster refused this member');
			throw error;
		}
	}

	return daemon;
}

function makeParts(options: DaemonOptions): Parts {
	const clock = options.clock ?? systemClock;
	const warn = (message: string): void => options.onWarning?.(message);
	mkdirSync(options.home, {recursive: true, mode: 0o700});
	const bootId = readBootId(options.env);
	const startedAt = clock.now();
	const disk = options.disk ?? new DiskHealth(clock);
	// Before anything that logs.
	const log = DaemonLog.open(options.config.daemon.logfile, options.cwd, clock, warn, disk);
	// Before any task makes it, so the first task's group never decides who may list it.
	mkdirSync(logsFolder(options.home), {recursive: true, mode: 0o700});
	sayExposure(options, warn, log);
	const database = new Database(databasePath(options.home), disk);
	const descriptors = fileDescriptors(clock, log, warn, taskCount(options.config));
	const slots = new Slots(options.config.daemon.maxRunning, clock);
	const cgroups = makeCgroups(options, clock, warn);
	const engine = new Engine(options.config, [], {
		clock,
		random: options.random ?? Math.random,
		home: options.home,
		baseEnv: Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
		cwd: options.cwd,
		socketPath: options.socketPath,
		bootId,
		persist: batch => database.writeBatch(batch),
		onWarning: warn,
		descriptors,
		logWatch: disk,
		idleFiles: new IdleFiles(clock),
		slots,
		cgroups,
	});
	const cluster = new ClusterMembership(options.config.daemon.cluster);
	// Every `status` carries it, even of one task: the holders' claims are counted once per change of them (holders.ts).
	const about = (): DaemonDoc => ({
		...(cluster.doc() === undefined ? {} : {cluster: cluster.doc()}),
		pid: process.pid,
		startedAt: new Date(startedAt).toISOString(),
		version,
		home: options.home,
		config: options.config.file,
		disk: diskDoc(disk.problems, database.unsaved),
		capacity: capacityDoc(engine.queue.limits(), engine.queue.claimed()),
		slots: slots.doc(engine.queue.claimed().slots),
		scaled: scaler.scaled(),
		cgroups: cgroups.mode,
	});
	// Before the alerter, whose mails link to it; it listens once the socket is claimed.
	const web = new WebView(options.config.daemon);
	const alerter = createAlerter(options.config.daemon, {clock, warn, log: (message, data) => log.note(message, data), webUrl: () => web.url});
	// The adaptive pool's driver: each host sample, with the tasks as they are.
	const onHost = (host: HostDoc): void => slots.sampled(poolSample(engine.list(), host));
	// watched is read at each sample: the feed is made below, after the monitor whose host sample it shows.
	const housekeeping = new Housekeeping({engine, clock, home: options.home, log, warn, socketPath: options.socketPath, onHost, sampleHost: options.sampleHost, watched: (): boolean => feed.watched, hostEveryTick: () => slots.adaptive});
	// Only the web view resumes readers from a seq: the events are kept only when it is on.
	const journalSize = options.config.daemon.http === null ? 0 : defaultJournalSize;
	const feed = new Feed({engine, clock, daemon: about, host: () => housekeeping.host, journalSize});
	// Heard from the engine's first event: the socket may run (and finish) a job before the web view has loaded.
	const tally = new EventTally(engine);
	// Subscribers (tm top, the web view) hear of the slots as they change, as of the disk.
	slots.watch(() => feed.daemonChanged());
	disk.on(change => {
		log.note(change.ok ? 'disk writable again' : change.full ? 'disk full' : 'disk error', {reason: change.reason}, change.at);
		warn(change.ok ? `disk writable again: ${change.reason}` : `${change.reason}; supervision goes on, what cannot be written is counted or kept`);
		feed.daemonChanged();
	});
	const scaler: Scaler = new Scaler({engine, slots, clock, log, exclusive: async work => reloads.exclusive(work), onApplied: () => housekeeping.settled()});
	const reloads = new Reloads({engine, clock, log, scales: scaler, onApplied: () => housekeeping.settled()});
	const handlers = controlHandlers({
		engine,
		clock,
		feed,
		daemon: about,
		shutdown: () => options.onShutdownRequest?.(),
		reload: dryRun => reloads.reload(dryRun),
		scale: params => scaler.scale(params),
		numprocs: program => scaler.numprocs(program),
		host: () => housekeeping.host,
		alerter,
		cluster: () => cluster.control,
	});
	const server =
		options.socketPath === null
			? null
			: new RpcServer({socketPath: options.socketPath, version, clock, handlers, onError: (error, where) => warn(`control socket (${where}): ${messageOf(error)}`)});
	return {options, clock, warn, bootId, startedAt, about, disk, log, database, descriptors, cgroups, slots, engine, tally, feed, handlers, web, alerter, housekeeping, reloads, scaler, server, cluster};
}

function makeCgroups(options: DaemonOptions, clock: Clock, warn: (message: string) => void): Cgroups {
	// TM_CGROUPS=off forces the fallback whatever the file says (tests run both ways with it).
	const off = options.env['TM_CGROUPS'] === 'off' ? 'TM_CGROUPS=off' : options.config.daemon.cgroups === 'off' ? 'taskmaster.cgroups: off' : null;
	const pollMs = options.config.daemon.sampleIntervalMs;
	return new Cgroups({home: options.home, off, clock, pollMs, warn, spawnProblem: nativeSpawnProblem()});
}

/** The socket, then the web view, then tm.db; on a failure, what was opened is closed again. */
async function claim(parts: Parts): Promise<Store> {
	try {
		await parts.server?.listen();
		// Opened in the same turn as the socket's listening: no `hello` is answered (and so no
		// `tm up` told the daemon started) before tm.db is known to be usable.
		return parts.database.open();
	} catch (error) {
		await release(parts);
		throw error;
	}
}

/** The web view, once recovery is planned (what requests write meanwhile is not read back as a previous daemon's). */
async function listenWeb(parts: Parts): Promise<void> {
	const {options, web, log, engine, tally, feed, handlers, clock, startedAt, alerter, warn, slots} = parts;
	// The web view asks what a socket client asks, of the same handlers, in process.
	await web.start(() => ({
		engine,
		tally,
		feed,
		client: new LocalClient({handlers, version, pid: process.pid, client: 'web view'}),
		clock,
		token: options.config.daemon.httpToken,
		apiToken: ensureToken(options.home, options.config.daemon.httpToken),
		cors: options.config.daemon.httpCors ?? [],
		history: (name, filter) => {
			const file = databasePath(options.home);
			const store = openReadonlyStore(file);
			try {
				return historyDoc(readHistory(store, name, filter, file));
			} finally {
				store.close();
			}
		},
		startedAt,
		version,
		logfile: log.path,
		alerts: () => alerter?.stats() ?? null,
		slots: () => slots.current,
		cluster: () => parts.cluster.metrics(),
		onWarning: warn,
	}));
	if (web.skipped !== null) {
		warn(web.skipped);
		log.note(web.skipped);
	}
}

/** Closes what {@link claim} opened, when the daemon cannot start after all. */
async function release({web, server, feed, log}: Parts): Promise<void> {
	await web.close();
	await server?.close();
	feed.close();
	log.close();
}

/** The socket and tm.db are ours and the plan is made: events are heard, recovery runs, housekeeping starts. */
function run(parts: Parts, store: Store, plan: RecoveryPlan): Daemon {
	const {options, clock, bootId, startedAt, log, descriptors, cgroups, engine, feed, web, alerter, housekeeping, reloads, scaler, server, disk, slots, cluster} = parts;
	engine.on(event => {
		log.event(event);
		alerter?.observe(event);
		options.onEvent?.(event);
	});
	// What a task leaves behind when it forks into the background is re-parented to tm from here on.
	const reaper = becomeSubreaper() ?? (process.pid === 1 ? 'PID 1' : 'subreaper');
	// Before any task starts: tm's cgroups, and what a killed daemon on this home left in them.
	const isolation = cgroups.open();
	log.note('daemon started', {pid: process.pid, tasks: plan.tasks.length, rebooted: plan.rebooted, bootId, spawn: spawnMode(), reaper, cgroups: isolation}, startedAt);
	if (web.url !== null) {
		log.note('web view listening', {url: web.url}, startedAt);
	}

	try {
		descriptors.start();
	} catch (error) {
		parts.warn(`no spare file descriptors (${messageOf(error)}): a daemon out of descriptors may not answer`);
	}

	const recovered = resume(plan, engine, clock, options.home);
	// What recovery's stops left in a killed daemon's cgroups goes too.
	void recovered.then(() => cgroups.sweepLeftovers(plan.rebooted));
	housekeeping.start(store, startedAt);
	void recovered.then(() => housekeeping.settled());
	reloads.begin(recovered);
	const running = {clock, housekeeping, descriptors, recovered, engine, cgroups, feed, server, web, alerter, log, store, disk, cluster};
	return {
		engine,
		store,
		startedAt,
		bootId,
		recovered,
		monitor: housekeeping.monitor,
		reload: dryRun => reloads.reload(dryRun),
		shutdown: (reason = 'daemon shutting down') => stopDaemon(running, reason),
		web: web.server,
		alerter,
		disk,
		slots,
		scale: params => scaler.scale(params),
	};
}

/** Files and folders other users could read, said once at start. */
function sayExposure(options: DaemonOptions, warn: (message: string) => void, log: DaemonLog): void {
	for (const message of exposureWarnings(options.config, options.home, options.cwd)) {
		warn(message);
		log.note(message);
	}
}

/** How tasks are started: tm's addon, or node:child_process and why. */
function spawnMode(): string {
	const problem = nativeSpawnProblem();
	return problem === null ? 'posix_spawn' : `node:child_process (${problem})`;
}
