/**
 * The domain's types: what the config says (specs), what a person wants, and what tm observes.
 * No imports and no behaviour: every other module speaks in these words.
 */

/** Milliseconds since the Unix epoch, as given by the injected clock. */
export type Millis = number;

export type AutoRestart = 'always' | 'never' | 'unexpected';

/** A dependency condition (SPEC §2 `depends_on`). */
export type DependsCondition = 'started' | 'ready' | 'completed' | 'succeeded';

/** How a task proves it is up. `fd`: it writes READY=1 on fd 3; `line`: an output line matches. */
export type Readiness = {kind: 'none'} | {kind: 'fd'} | {kind: 'line'; pattern: string};

export type BackoffSpec = {
	initialMs: number;
	factor: number;
	maxMs: number;
	/** 0..1: the delay is multiplied by a factor drawn from [1 - jitter, 1 + jitter]. */
	jitter: number;
	/** A run that stayed up this long resets the backoff to `initialMs`. */
	resetAfterMs: number;
};

export type LogSpec = {
	/** Rotate when the file would pass this many bytes; 0 turns rotation off. */
	maxSize: number;
	/** Rotated files kept (`file.1` … `file.N`). */
	backups: number;
	/** Prefix each line with an ISO-8601 timestamp. */
	timestamps: boolean;
};

export type StuckSpec = {cpuBelowPercent: number; forMs: number};

/** `max_restarts`: more than `count` automatic restarts after a good start within `withinMs` → `fatal`. */
export type RestartLimit = {count: number; withinMs: number};

/**
 * What a task declares it needs (`requires:`, `tm run --memory --cpus`): admitted against the
 * capacity, not measured. 0 asks for none.
 */
export type Requests = {
	/** Bytes. */
	memory: number;
	/** CPUs (1.5 is one and a half). */
	cpu: number;
};

/** What all tasks holding slots may request together (`taskmaster.capacity`); null: no limit. */
export type ResourceCapacity = {memory: number | null; cpu: number | null};

/** One program as written in the config, after defaults and validation. */
export type ProgramSpec = {
	name: string;
	cmd: string;
	/** The argv `cmd` splits into (shell: false), or ['/bin/sh', '-c', cmd] (shell: true). */
	argv: string[];
	shell: boolean;
	numprocs: number;
	/** Octal file mode mask applied to the child only, or null to inherit the daemon's. */
	umask: number | null;
	workingdir: string | null;
	autostart: boolean;
	autorestart: AutoRestart;
	exitcodes: number[];
	startretries: number;
	starttimeMs: number;
	/** Normalised signal name, e.g. 'SIGTERM'. */
	stopsignal: string;
	/**
	 * The program forks into the background by design (a classic daemon): tm tracks the process
	 * it leaves, as systemd's Type=forking does, instead of stopping it and failing the run.
	 */
	daemonizes: boolean;
	stoptimeMs: number;
	/** Log file paths as configured (may contain `%(process_num)d`), or null for the default. */
	stdout: string | null;
	stderr: string | null;
	env: Record<string, string>;
	/** User name or numeric uid to run as (program `user:`, else the daemon's `uid:`). */
	user: string | null;
	group: string | null;
	priority: number | null;
	dependsOn: Record<string, DependsCondition>;
	ready: Readiness;
	watchdogMs: number | null;
	/**
	 * The program is expected to send WATCHDOG=1 about this often: its watchdog (its own, else
	 * the daemon's `task_timeout`) runs from the spawn, not from a first heartbeat.
	 */
	heartbeatIntervalMs: number | null;
	maxRuntimeMs: number | null;
	maxMemory: number | null;
	/** Admitted only when these fit what the tasks holding slots have not claimed. */
	requires: Requests;
	/** CPUs the kernel lets the process tree use (`max_cpu: 1.5`), in a cgroup; null: no limit. */
	maxCpu?: number | null;
	stuck: StuckSpec | null;
	/** Give up (`fatal`) on a program that keeps crashing after it started; null: never (only failed starts are limited). */
	maxRestarts: RestartLimit | null;
	backoff: BackoffSpec;
	log: LogSpec;
	schedule: string | null;
};

export type SmtpSpec = {
	host: string;
	port: number;
	secure: boolean;
	user: string | null;
	pass: string | null;
	from: string | null;
};

/** When mail alerts go out (the `alerts:` key of the daemon section). */
export type AlertsSpec = {
	/** Alerts raised within this window after the first go out as one mail per recipient. */
	batchMs: number;
	/** A crash loop: more than `restarts` automatic restarts within `withinMs`. */
	crashLoop: {restarts: number; withinMs: number};
};

/**
 * `max_running: {min, max, …}`: tm moves the slot count between `min` and `max`, up while tasks
 * wait for a slot and the host has headroom, down when it is saturated or nothing waits.
 */
export type AdaptiveSlots = {
	min: number;
	max: number;
	/** Host CPU busy (percent of every CPU) above which no slot is added, and one is taken away. */
	cpuTargetPercent: number;
	/** Host memory in use (percent of the total) likewise. */
	memoryTargetPercent: number;
	/** After a change, this long before the next step down (and before a step up after a step down). */
	cooldownMs: number;
};

/** `max_running` as written: a number of slots, an adaptive pool, or null for no limit. */
export type MaxRunning = number | AdaptiveSlots | null;

/** The `taskmaster:` section. */
export type DaemonSpec = {
	logfile: string | null;
	email: string | null;
	smtp: SmtpSpec | null;
	/** Mail alert tuning; absent means the defaults (see config/defaults.ts). */
	alerts?: AlertsSpec;
	uid: string | null;
	gid: string | null;
	/** `host:port`, or null when the web view is off. */
	http: string | null;
	/**
	 * True when `http` was not written and is the default a `logfile` brings (the log view on
	 * 127.0.0.1:4242): an address in use is then a warning, not a failed start.
	 */
	httpDefault?: boolean;
	httpToken: string | null;
	/**
	 * `http_cors`: the origins (`https://ops.example.com`, as a browser writes `Origin`) whose pages
	 * may call `/api/v1` (CORS); empty or absent (a config built in code): none, no CORS headers.
	 */
	httpCors?: string[];
	/** Running tasks that count against slots: a fixed number, an adaptive pool, or null (unlimited). */
	maxRunning: MaxRunning;
	/**
	 * Memory and CPUs the tasks holding slots may request together: a loaded config always has
	 * it (the host's, unless `capacity:` says otherwise); absent (a config built in code): no limit.
	 */
	capacity?: ResourceCapacity;
	retention: {finishedMs: number; historyMs: number};
	heartbeatIntervalMs: number;
	taskTimeoutMs: number;
	cleanupIntervalMs: number;
	/** How often CPU and memory of every task's process tree are sampled and liveness checked. */
	sampleIntervalMs: number;
	/** `auto`: each task in a cgroup of its own where the daemon can make them; `off`: process groups only. */
	cgroups?: 'auto' | 'off';
	/** `cluster:`: jobs shared with other hosts through PostgreSQL (docs/cluster.md); absent or null: none. */
	cluster?: ClusterSpec | null;
};

/** `taskmaster.cluster` (config/cluster.ts). */
export type ClusterSpec = {
	/** The PostgreSQL URL, without a password. */
	postgres: string;
	/** This member's name; null: the machine's host name. */
	name: string | null;
	/** A claim not renewed within this long is taken over by another member. */
	leaseMs: number;
	/** How often a member looks for work when no notification came (the backstop of LISTEN/NOTIFY). */
	pollMs: number;
	/** A file holding the password (else PGPASSWORD, else none). */
	passwordFile: string | null;
};

export type Config = {
	/** Absolute path of the file it came from, or null when built in code. */
	file: string | null;
	daemon: DaemonSpec;
	programs: ProgramSpec[];
};

export type TaskKind = 'service' | 'job';

/** One supervised thing: an instance of a program, or a submitted job. */
export type TaskSpec = ProgramSpec & {
	/** Stable id: `web`, `web:0`, or `j-…` for jobs. */
	id: string;
	kind: TaskKind;
	program: string;
	/** Instance number within the program (0 when numprocs is 1). */
	instance: number;
	/** Retries a job may use before `failed`; programs use `startretries` instead. */
	retries: number;
	/** A job stopped by `max_runtime` uses its retries (`tm run --retry-on-timeout`); else it is `failed` at once. Programs keep their restart policy. */
	retryOnTimeout: boolean;
	/** A job's free text (`tm run --label`, job-label.ts), shown beside its name, never used to address it; null or absent: none. */
	label?: string | null;
};

/** What a person (or the config) asked for. The machine reconciles the state towards it. */
export type Want = 'up' | 'down';

export type ExitInfo = {
	code: number | null;
	signal: string | null;
	at: Millis;
};

/**
 * Observed state (SPEC §3). Each variant carries only what is true in it.
 * `reason` says, in words, why the task got there.
 */
export type TaskState =
	| {kind: 'stopped'; since: Millis; reason: string; lastExit: ExitInfo | null}
	/**
	 * `eligibleAt`: a delayed job (`tm run --delay/--at`, `tm retry --delay`) asks for no slot
	 * before then (the state's deadline); null once it may start.
	 */
	| {kind: 'queued'; since: Millis; reason: string; eligibleAt: Millis | null}
	| {kind: 'starting'; since: Millis; reason: string; pid: number | null; readyBy: Millis | null}
	| {kind: 'running'; since: Millis; reason: string; pid: number}
	| {kind: 'backoff'; since: Millis; reason: string; until: Millis; lastExit: ExitInfo | null}
	| {
			kind: 'stopping';
			since: Millis;
			reason: string;
			pid: number;
			/** When SIGKILL goes to the group, or null once it has been sent. */
			killAt: Millis | null;
			/**
			 * Where the task goes once the process group is gone: `stopped`; `restart` and `requeue`
			 * (queued again); `fail-start` and `crash` (the restart policy, as a failure); `fail`
			 * (`failed` at once: `tm fail`).
			 */
			then: StoppingThen;
	  }
	| {kind: 'paused'; since: Millis; reason: string; pid: number; runningSince: Millis}
	| {kind: 'completed'; since: Millis; reason: string; lastExit: ExitInfo}
	| {kind: 'failed'; since: Millis; reason: string; lastExit: ExitInfo | null}
	| {kind: 'fatal'; since: Millis; reason: string; lastExit: ExitInfo | null};

export type StateKind = TaskState['kind'];

/** Where a stopping task goes once its process group is gone. */
export type StoppingThen = 'stopped' | 'restart' | 'requeue' | 'fail-start' | 'crash' | 'fail';

export const stateKinds: readonly StateKind[] = [
	'queued',
	'starting',
	'running',
	'backoff',
	'stopping',
	'stopped',
	'paused',
	'completed',
	'failed',
	'fatal',
];

/** The reason prefix of a task stopped because its program left the config (recovery starts such a row afresh). */
export const removedReason = 'removed from the config';

/**
 * Why the last transition happened, as a stable word (SPEC §10) beside the human `reason`:
 * scripts and clients read this, never the reason text. Decided by the machine.
 */
export type Cause =
	/** A person asked (start, stop, restart, pause, resume, retry, signal). */
	| 'requested'
	/** The config asked: autostart at daemon start, or a reload added or changed it. */
	| 'config'
	/** A job was submitted (`tm run`). */
	| 'submitted'
	/** A `schedule:` time came. */
	| 'schedule'
	/** The daemon came back and restored the task as it was. */
	| 'restored'
	/** The daemon is going away (the task keeps what was wanted). */
	| 'shutdown'
	/** The scheduler gave it a slot. */
	| 'admitted'
	/** Waiting for a slot (`max_running`). */
	| 'capacity'
	/** Waiting for, or failed by, what it depends on (`depends_on`, `--after`). */
	| 'dependency'
	/** Its start found no file descriptor left (the daemon's `ulimit -n`): queued again until some free up. */
	| 'descriptors'
	/** The process started. */
	| 'spawned'
	/** More automatic restarts within `max_restarts.within` than `max_restarts.count`: given up (`fatal`). */
	| 'max_restarts'
	/** The process could not be started. */
	| 'spawn_failed'
	/** READY=1 or the ready line. */
	| 'ready'
	/** It did not get ready within `starttime`. */
	| 'timeout'
	/** The backoff delay passed: the next attempt. */
	| 'backoff_over'
	/** A delayed job's time came (`tm run --delay/--at`, `tm retry --delay`): it may take a slot now. */
	| 'delay_over'
	/** The process exited by itself with a code. */
	| 'exit'
	/** The process was killed by a signal it was not asked to stop with. */
	| 'signal'
	/** The process exited leaving processes in sessions of their own (it forked into the background). */
	| 'daemonized'
	/** The liveness checks (SPEC §5). */
	| 'watchdog'
	| 'max_runtime'
	| 'max_memory'
	| 'stuck'
	/** The kernel killed it for memory: its cgroup's limit (`max_memory`) was reached (its OOM counter). */
	| 'oom'
	/** A higher-priority task took its slot. */
	| 'evicted'
	/** A job was cancelled (`tm cancel`). */
	| 'cancelled'
	/** A person moved a job to `failed`, the dead-letter list (`tm fail`). */
	| 'dead_letter'
	/** Its program left the config. */
	| 'removed'
	/** A process a previous daemon left was found and stopped. */
	| 'orphan'
	/** A cluster job's host lost its claim (its lease ran out, or another member took the job over): its copy was stopped. */
	| 'lease_lost'
	/** Nothing happened yet. */
	| 'none';

/** A liveness check that failed (the `fault` event's kind). */
export type FaultCause = 'watchdog' | 'max_runtime' | 'max_memory' | 'stuck';

/** States a task rests in until someone or something starts it again: its outcome is what to show. */
export const finishedStates: ReadonlySet<string> = new Set<StateKind>(['completed', 'failed', 'fatal', 'stopped']);

/** States in which the task has a live process (and so holds a slot). */
export const liveStates: ReadonlySet<StateKind> = new Set(['starting', 'running', 'stopping', 'paused']);

/** Everything the machine decides on: the state plus the counters that survive runs. */
export type TaskRecord = {
	state: TaskState;
	/** Why the last transition happened (the machine decides it with the transition). */
	cause: Cause;
	want: Want;
	/** Respawns after the first, automatic or asked for. Only grows, but for a start given back for want of file descriptors: that one is taken off again. */
	restarts: number;
	/** Spawns since the last start from rest; exported to the child as TM_ATTEMPT. */
	attempt: number;
	/** Consecutive starts that did not reach `running` (supervisord's backoff count). */
	failures: number;
	/** Consecutive exits after a successful start; the exponent of the backoff. */
	crashes: number;
	/** When the current run reached `running`, for `reset_after`. */
	upSince: Millis | null;
	/** When the automatic restarts within the program's `max_restarts` window happened (absent without one). */
	restartTimes?: Millis[];
};
