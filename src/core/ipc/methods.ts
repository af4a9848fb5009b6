/**
 * What travels over the control socket (SPEC §6, §8): the methods with their params and
 * results, and the notifications the daemon pushes. Types only; the documents are part of the
 * contract, so fields may be added but never renamed.
 */
import type {Cause, StateKind, TaskKind, Want} from '../model.js';
import type {Outcome} from '../actions.js';
import type {ClusterDoc, ClusterQueueDoc, MemberDoc} from './cluster-docs.js';
import type {CapacityDoc, QueueDoc, ScaledProgram, SlotsDoc} from './queue-docs.js';

export type {ClusterDoc, ClusterQueueDoc, ClusterQueueEntryDoc, MemberDoc} from './cluster-docs.js';
export type {CapacityDoc, QueueDoc, QueueEntryDoc, ScaledProgram, SlotsDoc} from './queue-docs.js';

/** `params` of a method that takes none. `{}` (or no params at all) on the wire. */
export type EmptyParams = Record<string, never>;

/** The daemon's part of {@link StatusDoc}. */
export type DaemonDoc = {
	pid: number;
	/** ISO-8601. */
	startedAt: string;
	version: string;
	home: string;
	/** Absolute path of the config file, or null when none was loaded. */
	config: string | null;
	/** Whether the daemon can write its files (tm.db, its logs, the task logs). */
	disk: DiskDoc;
	/** Slots and resources, and what the tasks holding slots claim of them (as of this document); absent from an older daemon. */
	capacity?: CapacityDoc;
	/** Slots for running tasks: how many now, and what set that number. */
	slots?: SlotsDoc;
	/** Programs `tm scale` runs with another instance count than the config's. */
	scaled?: ScaledProgram[];
	/** What isolates its tasks: `cgroup v2 + v1 memory + v1 cpu`, or `process groups (why)`. */
	cgroups?: string;
	/** `taskmaster.cluster`: this member and whether PostgreSQL answers; absent when in no cluster. */
	cluster?: ClusterDoc;
};

/** The daemon's files as it writes them: a full disk (or an I/O error) is said here while it lasts. */
export type DiskDoc = {
	ok: boolean;
	/** `disk full: cannot write FILE: ERRNO` (the first file that failed; others in `files`); null when ok. */
	reason: string | null;
	/** ISO-8601: when the first of the current failures began; null when ok. */
	since: string | null;
	/** Every file that cannot be written now. */
	files: string[];
	/** Rows of state (tasks, runs, events) kept in memory until tm.db can be written (written then, in order). */
	unsaved: number;
};

/** One task as `tm status --json` prints it (SPEC §6). Times are ISO-8601 strings. */
export type TaskStatus = {
	id: string;
	name: string;
	program: string;
	kind: TaskKind;
	state: StateKind;
	reason: string;
	/** Why the last transition happened, as a stable word (docs/cli-json.md): read this, never `reason`. */
	cause: Cause;
	pid: number | null;
	/** When the latest run was spawned (kept after it ended: see `endedAt`); null before the first. */
	startedAt: string | null;
	restarts: number;
	attempt: number;
	exitCode: number | null;
	/** Percent of one CPU, or null when not sampled. */
	cpu: number | null;
	/** Resident memory in bytes, or null when not sampled. */
	memory: number | null;
	/** CPU seconds used by the task's process tree in its current run, or null when not sampled. */
	cpuSeconds: number | null;
	heartbeatAt: string | null;
	/** Percent from `PROGRESS=`, or null. */
	progress: number | null;
	/** The text after the percent in `PROGRESS=42 text`, or null. */
	progressText: string | null;
	/** Free text from `STATUS=`, or null. */
	status: string | null;
	priority: number;
	/** When the next attempt starts, while in `backoff`. */
	backoffUntil: string | null;
	/** When a delayed job may start (`tm run --delay/--at`, `tm retry --delay`), while it waits for that time in `queued`; else null. */
	eligibleAt: string | null;
	/** When a program with a `schedule` runs next, or null. */
	nextRunAt: string | null;
	/** The watchdog in force (ms), or null: the dashboard colours heartbeat age against it. */
	watchdogMs: number | null;
	/** How often heartbeats are expected (ms): the task's `heartbeat_interval`, else the daemon's. One interval late is shown as late. */
	heartbeatIntervalMs: number;
	want: Want;
	/** Consecutive starts that failed, and how many may (startretries for programs, retries for jobs). */
	failures: number;
	maxRetries: number;
	lastExit: {code: number | null; signal: string | null; at: string} | null;
	/** Size of the last CHECKPOINT= data, 0 when none. */
	checkpointBytes: number;
	/** A job's free text (`tm run --label`), shown beside its name and never parsed; absent when it has none. */
	label?: string;
	/** A cluster job (`tm tasks --cluster`): the member that holds it, null while queued or after it ended unowned. */
	host?: string | null;
	/** A cluster job's state as PostgreSQL holds it (queued, running, completed, failed, cancelled, dead). */
	clusterState?: string;
} & TaskRecordFields;

/** A task as a record (seed 001's job): part of every task document. */
export type TaskRecordFields = {
	/** When the task was made: a job submitted, a program first seen. ISO-8601. */
	createdAt: string;
	/** When the latest run ended (`startedAt` is when it was spawned); null while it runs or before it ran. */
	endedAt: string | null;
	/** The command as given (`cmd:` or what `tm run` got). */
	cmd: string;
	/** The folder it runs in: its own, else the daemon's. */
	cwd: string;
	/** What stops it (null: no such limit); `maxCpu` (CPUs) only slows it, in a cgroup. */
	limits: {maxRuntimeMs: number | null; maxMemory: number | null; maxCpu?: number | null; watchdogMs: number | null; stuck: {cpuBelowPercent: number; forMs: number} | null};
	/** What it is admitted against the capacity for (`requires`, `tm run --memory --cpus`): bytes and CPUs, 0 for none. */
	requires: {memory: number; cpu: number};
};

/** The machine the daemon runs on, sampled on the daemon's own timer (null until the first sample). */
export type HostDoc = {
	hostname: string;
	/** 1, 5 and 15 minute load averages. */
	load: [number, number, number];
	cpus: number;
	memoryTotal: number;
	memoryFree: number;
	/** Free bytes on the file system of the daemon's home, or null when unknown. */
	diskFree: number | null;
	/** Percent of every CPU busy since the sample before (/proc/stat); null on the first sample or without procfs. */
	cpuBusy?: number | null;
};

/** The answer of `status` and the snapshot of `subscribe`. */
export type StatusDoc = {daemon: DaemonDoc; tasks: TaskStatus[]; host?: HostDoc | null};

/**
 * Everything about one task that the dashboard's detail view and `tm status NAME --json` show:
 * the task document plus what only changes with the config (so a client asks for it once).
 */
export type TaskDetail = TaskStatus & {
	argv: string[];
	user: string | null;
	autorestart: 'always' | 'never' | 'unexpected';
	exitcodes: number[];
	stopsignal: string;
	stoptimeMs: number;
	maxRuntimeMs: number | null;
	maxMemory: number | null;
	logs: {stdout: string; stderr: string};
	/** Program dependencies (`depends_on`) or a job's `--after`, with the condition each waits for. */
	dependsOn: Record<string, string>;
	schedule: string | null;
	/** A program's instances now and the config's `numprocs` (they differ after `tm scale`); null for a job. */
	numprocs?: {count: number; configured: number} | null;
};

/** Params of `run` (SPEC §4): one job. */
export type RunParams = {
	/** argv; with `shell`, one string run by /bin/sh -c. */
	argv: string[];
	shell?: boolean;
	name?: string;
	/** Free text shown beside the name (job-label.ts): anything printable, at most 200 characters; it addresses nothing. */
	label?: string;
	priority?: number;
	/** Ids or names that must succeed first. */
	after?: string[];
	retries?: number;
	/** A job stopped by `max_runtime` uses its retries, as any failure does; without it, it is `failed` at once. */
	retryOnTimeout?: boolean;
	/** Start now or not at all: refused with `E_NO_SLOT` (and nothing submitted) when the job would wait for a slot. */
	noQueue?: boolean;
	backoff?: {initialMs?: number; factor?: number; maxMs?: number; jitter?: number};
	maxRuntimeMs?: number;
	watchdogMs?: number;
	/** The job is expected to send WATCHDOG=1 this often: `task_timeout` (or `watchdogMs`) applies from its start. */
	heartbeatIntervalMs?: number;
	maxMemory?: number;
	/** Requests (a program's `requires`): bytes of memory and CPUs it is admitted against the capacity for. */
	memory?: number;
	cpus?: number;
	/** CPUs the kernel lets it use, in a cgroup (`--max-cpu 1.5`). */
	maxCpu?: number;
	/** Absolute; the CLI resolves it against its own cwd. */
	cwd?: string;
	env?: Record<string, string>;
	/** How it is stopped, as a program's `stopsignal` and `stoptime`. */
	stopSignal?: string;
	stopTimeoutMs?: number;
	/** A program's `stuck`: CPU below this percent, with no output or heartbeat, for this long. */
	stuck?: {cpuBelowPercent: number; forMs: number};
	/** The user to run as (a name or uid; the daemon must be root to switch). */
	user?: string;
	/** Into the cluster's queue (`taskmaster.cluster`): any member with a free slot runs it. */
	cluster?: boolean;
	/** With `cluster`: only this member may run it. */
	on?: string;
} & DelayParams;

/** Not before then: `delayMs` from now (`--delay`), or `at`, an ISO-8601 time with its offset (`--at`); one of the two. */
export type DelayParams = {delayMs?: number; at?: string};

/** One line of a task's output. */
export type LogLineDoc = {
	/** The ring's sequence number: only grows. */
	seq: number;
	/** ISO-8601. */
	at: string;
	stream: 'stdout' | 'stderr';
	text: string;
};

/** The outcome of `start`, `stop`, `restart` and `signal` for one name. */
export type TaskActionResult = {name: string; ok: boolean; outcome: Outcome; state: string; error?: string};

/** The answer of `start`, `stop`, `restart` and `signal`. */
export type TaskActionResults = {results: TaskActionResult[]};

/** Params of `start`, `stop` and `restart`: names, `all`, or `group:*` globs. */
export type TaskActionParams = {names: string[]; wait?: boolean};

/** Params of `scale`: a program and its instance count, or `slots` (max_running). */
export type ScaleParams = {program?: string; count?: number; slots?: number};

/** What `scale` changed. */
export type ScaleResult = {
	/** The program scaled, or null for `slots`. */
	program: string | null;
	/** Instances (or slots; null: no limit) before and after. */
	from: number | null;
	to: number;
	/** What the config says: numprocs, or max_running (null: no limit). */
	configured: number | null;
	/** Instances that joined (started unless the program's instances are stopped), and those stopped and gone. */
	added: string[];
	removed: string[];
};

/** Params of `fail`: the jobs, and why (recorded in their history). */
export type FailParams = {names: string[]; reason?: string};

/** The plan of `reload`; `applied` is false for a dry run. */
export type ReloadResult = {
	added: string[];
	removed: string[];
	changed: Array<{name: string; keys: string[]}>;
	unchanged: string[];
	/** Keys of the `taskmaster:` section that changed (capacity and retention apply at once). */
	daemon: string[];
	applied: boolean;
};

/**
 * Every method: its params and result. `call(method, params)` on the client and the daemon's
 * handler table are typed from this.
 */
export type Methods = {
	/** Optional handshake; another protocol number is refused with an error naming both. */
	hello: {params: {protocol: number; client: string}; result: {protocol: number; version: string; pid: number}};
	/** Without names, every task. */
	status: {params: {names?: string[]}; result: StatusDoc};
	start: {params: TaskActionParams; result: TaskActionResults};
	stop: {params: TaskActionParams; result: TaskActionResults};
	restart: {params: TaskActionParams; result: TaskActionResults};
	signal: {params: {signal: string; names: string[]}; result: TaskActionResults};
	reload: {params: {dryRun?: boolean}; result: ReloadResult};
	/** `tm scale`: a program's instance count, or the slots, until the config's value changes. */
	scale: {params: ScaleParams; result: ScaleResult};
	/** One task with its spec and counters; unknown names are error `no-such-task`. */
	describe: {params: {name: string}; result: TaskDetail};
	/** Submit a job; it is persisted before the answer. */
	/** `name`: the one it goes by, `--name` or, when a task has that one already, `name#2`, `name#3`…; else the id. */
	run: {params: RunParams; result: {id: string; name: string}};
	/** Resolves once the task has finished (completed, failed, fatal, stopped). */
	wait: {params: {name: string}; result: {id: string; state: StateKind; exitCode: number | null; reason: string}};
	/** The live list, optionally only some states; with `cluster`, the cluster's jobs (`host` says where). */
	tasks: {params: {states?: StateKind[]; cluster?: boolean}; result: {tasks: TaskStatus[]}};
	/** The queued tasks in the order they would start, with what each waits for now, and the depth by priority. */
	queue: {params: EmptyParams; result: QueueDoc};
	/** `tm queue --cluster`: the cluster's queued jobs in the order members would claim them, and the depth by priority. */
	clusterQueue: {params: EmptyParams; result: ClusterQueueDoc};
	/** The cluster's members (`tm hosts`). */
	hosts: {params: EmptyParams; result: {hosts: MemberDoc[]; queued: number}};
	cancel: {params: TaskActionParams; result: TaskActionResults};
	/** With `delayMs` or `at`, the job is queued but does not start before then. */
	retry: {params: TaskActionParams & DelayParams; result: TaskActionResults};
	/** Jobs to `failed` (the dead-letter list) by hand: a live one is stopped first; programs are refused. */
	fail: {params: FailParams; result: TaskActionResults};
	pause: {params: TaskActionParams; result: TaskActionResults};
	resume: {params: TaskActionParams; result: TaskActionResults};
	/** fd-3 lines (`WATCHDOG=1`, `PROGRESS=42 text`, …) sent for a task over the socket. */
	notify: {params: {task: string; lines: string[]}; result: {ok: true}};
	/** The last lines; with `follow`, `log` notifications follow (`logLines` with `batch`). */
	logs: {
		/**
		 * `after`: the lines after this seq (a reader coming back); when they are no longer all kept, the tail and `gap: true`.
		 * `batch`: the lines read together go out as one `logLines` notification (a daemon before it sends `log`s).
		 */
		params: {name: string; lines?: number; stream?: 'stdout' | 'stderr' | 'both'; follow?: boolean; after?: number; batch?: boolean};
		result: {lines: LogLineDoc[]; gap?: boolean; lastSeq?: number};
	};
	/** A snapshot, then `event` notifications with `seq` greater than `lastSeq`. */
	subscribe: {params: EmptyParams; result: StatusDoc & {lastSeq: number}};
	shutdown: {params: EmptyParams; result: {ok: true}};
	/** `tm alert test`: mails every `email:` recipient now, outside any batch; an error names what failed. */
	alertTest: {params: EmptyParams; result: {recipients: string[]}};
};

/** A method name of {@link Methods}. */
export type MethodName = keyof Methods;

/** A recorded state change, as pushed to subscribers. */
export type EventDoc = {
	seq: number;
	/** ISO-8601. */
	at: string;
	taskId: string;
	type: string;
	from: string;
	to: string;
	reason: string;
	pid: number | null;
	restarts: number;
	attempt: number;
	/** `exit 1`, `SIGKILL`, … when the change was an exit, else null. */
	exit: string | null;
	/** Why it happened, as a stable word (the same as `task.cause`). */
	cause: Cause;
	/** The task's whole document right after the change: a client paints from this alone. */
	task: TaskStatus;
};

/**
 * Documents that changed without a transition (cpu, memory, heartbeat, progress, a reload's new
 * spec), pushed to subscribers at most once per second, and tasks that are gone.
 */
export type TasksUpdate = {
	tasks: TaskStatus[];
	removed: string[];
	host: HostDoc | null;
	at: string;
	/** The daemon's capacity now (also sent when only its limits changed: a reload); absent from an older daemon. */
	capacity?: CapacityDoc;
};

/** Every notification the daemon pushes, with its params. */
export type Notifications = {
	/** After `subscribe`. */
	event: EventDoc;
	/** After `subscribe`: documents that changed without an event, and tasks that left. */
	tasks: TasksUpdate;
	/** After `logs` with `follow`. */
	log: {taskId: string; line: LogLineDoc};
	/** After `logs` with `follow` and `batch`: the lines read together, oldest first. */
	logLines: {taskId: string; lines: LogLineDoc[]};
	/** After `subscribe`: the daemon's document, when its health changed (`disk`: a full disk began or ended). */
	daemon: DaemonDoc;
	/** This many notifications (log lines, for `logLines`) were dropped because the client read too slowly. */
	dropped: {count: number};
};

/** A notification name of {@link Notifications}. */
export type NotificationName = keyof Notifications;
