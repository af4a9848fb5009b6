/**
 * What a key means when the config leaves it out. Frozen: copy before changing.
 */
import type {AdaptiveSlots, AlertsSpec, BackoffSpec, DaemonSpec, LogSpec, ProgramSpec, SmtpSpec, StuckSpec} from '../model.js';

/** Backoff between restarts: 1s, 2s, 4s … capped at 60s, ±20%, reset after 60s up. */
export const backoffDefaults: Readonly<BackoffSpec> = Object.freeze({
	initialMs: 1000,
	factor: 2,
	maxMs: 60_000,
	jitter: 0.2,
	resetAfterMs: 60_000,
});

/** Log files rotate at 10 MiB, keeping 5 old files, without timestamps. */
export const logDefaults: Readonly<LogSpec> = Object.freeze({
	maxSize: 10 * 1024 * 1024,
	backups: 5,
	timestamps: false,
});

/** What `stuck: {}` means: under 1% CPU for 10 minutes. */
export const stuckDefaults: Readonly<StuckSpec> = Object.freeze({
	cpuBelowPercent: 1,
	forMs: 10 * 60_000,
});

/**
 * The most instances a program may run (`numprocs`, `tm scale`): a bound against a typo, not a
 * measured ceiling (10,000 programs run under 20,000 descriptors: bench/scale.ts).
 */
export const numprocsLimit = 100_000;

/** A program's settings when its keys are absent (everything but name, cmd and argv). */
export const programDefaults: Readonly<Omit<ProgramSpec, 'name' | 'cmd' | 'argv'>> = Object.freeze({
	shell: false,
	numprocs: 1,
	umask: null,
	workingdir: null,
	autostart: true,
	autorestart: 'unexpected',
	exitcodes: Object.freeze([0]) as number[],
	startretries: 3,
	starttimeMs: 1000,
	stopsignal: 'SIGTERM',
	daemonizes: false,
	stoptimeMs: 10_000,
	stdout: null,
	stderr: null,
	env: Object.freeze({}),
	user: null,
	group: null,
	priority: null,
	dependsOn: Object.freeze({}),
	ready: Object.freeze({kind: 'none'}),
	watchdogMs: null,
	heartbeatIntervalMs: null,
	maxRuntimeMs: null,
	maxMemory: null,
	requires: Object.freeze({memory: 0, cpu: 0}),
	maxCpu: null,
	stuck: null,
	maxRestarts: null,
	backoff: backoffDefaults,
	log: logDefaults,
	schedule: null,
});

/** The mail relay used when `email:` is set and `smtp:` is not (or leaves keys out). */
export const smtpDefaults: Readonly<SmtpSpec> = Object.freeze({
	host: 'localhost',
	port: 25,
	secure: false,
	user: null,
	pass: null,
	from: null,
});

/** Mail alerts: batched per minute; a crash loop is more than 5 automatic restarts in 10 minutes. */
export const alertsDefaults: Readonly<AlertsSpec> = Object.freeze({
	batchMs: 60_000,
	crashLoop: Object.freeze({restarts: 5, withinMs: 10 * 60_000}),
});

/** The SMTP port when `smtp.secure` is true and no port is given (SMTP over TLS). */
export const smtpSecurePort = 465;

/**
 * Where the log view listens when `logfile` is set and `http` is not written (Taskmaster's
 * promise: the logs in a browser at http://localhost:4242/logs); `http: off` turns it off.
 */
export const logViewAddress = '127.0.0.1:4242';

/**
 * An adaptive `max_running` without targets: slots added while the host's CPU is under 85% busy
 * and its memory under 90% used; 30 s between steps down (Celery's autoscaler waits as long).
 */
export const adaptiveDefaults: Readonly<Omit<AdaptiveSlots, 'min' | 'max'>> = Object.freeze({
	cpuTargetPercent: 85,
	memoryTargetPercent: 90,
	cooldownMs: 30_000,
});

/** The daemon's settings when the `taskmaster:` section leaves them out. */
export const daemonDefaults: Readonly<DaemonSpec> = Object.freeze({
	logfile: null,
	email: null,
	smtp: null,
	uid: null,
	gid: null,
	http: null,
	httpToken: null,
	maxRunning: null,
	retention: Object.freeze({finishedMs: 7 * 86_400_000, historyMs: 30 * 86_400_000}),
	heartbeatIntervalMs: 10_000,
	taskTimeoutMs: 30_000,
	cleanupIntervalMs: 5 * 60_000,
	sampleIntervalMs: 2000,
});
