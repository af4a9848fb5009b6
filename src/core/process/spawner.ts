/**
 * Starts one task process in its own process group with stdout, stderr and the notify channel
 * (fd 3) as pipes to the daemon, and signals the whole group. Through tm's spawn addon
 * (native-spawn.ts) when it is there and no user switch is asked, else through node:child_process
 * (this is its only importer in tm).
 *
 * Exit is reported once: after the main process has exited AND its pipes have closed, so every
 * byte it wrote has been handed to `onStdout`/`onStderr` first. Processes the task left behind in
 * its group are killed when the main process exits, which also closes the pipes they held.
 */
import {spawn as spawnChild} from 'node:child_process';
import type {Readable} from 'node:stream';
import type {Clock, TimerHandle} from '../clock.js';
import {err, messageOf, ok, type Result} from '../errors.js';
import {nativeSpawn, nativeSpawnAsync, signalProcess, watch} from './native-spawn.js';
import {processStartTime} from './proc.js';
import {escapedFrom, type Marker, ownNodeChild} from './reaper.js';
import {checkWorkingDir, resolveCommand} from './resolve-command.js';
import {resolveGroup, resolveUser} from './users.js';

export type SpawnRequest = {
	argv: string[];
	env: Record<string, string>;
	cwd: string;
	umask: number | null;
	user: string | null;
	group: string | null;
	/** A main process that exits 0 leaving one in a session of its own hands over to it (onTracked). */
	daemonizes: boolean;
};

export type SpawnCallbacks = {
	onStdout(chunk: Buffer): void;
	onStderr(chunk: Buffer): void;
	onNotify(chunk: Buffer): void;
	/**
	 * The process exists (called during `spawnTask`, or a moment later for a start on a worker
	 * thread), with its start time when the start already read it (else null: read it from /proc).
	 */
	onStarted(pid: number, startTime: string | null): void;
	/** `daemonizes`: the main process exited 0 and `pid`, which it left in a session of its own, is the task's process now. */
	onTracked(pid: number, startTime: string | null): void;
	/** The start failed after `spawnTask` returned (EACCES and the like): no process. */
	onSpawnError(message: string): void;
	/**
	 * The process exited; `escaped`: processes it started that had left its group (a double fork,
	 * re-parented to the daemon), which were killed with the group.
	 */
	onExit(code: number | null, signal: string | null, escaped: number[]): void;
};

type ExitHandler = (code: number | null, signal: string | null) => void;

export type TaskProcess = {
	/** Null until the process exists. */
	readonly pid: number | null;
	/** Signals the whole process group; false when it no longer exists. */
	signal(signal: string): boolean;
};

/** How long to wait for the pipes to close after the group is gone before giving up on them. */
const drainLimitMs = 5000;

/** The ids a start switches to (none when it runs as tm does), or why it cannot. */
export function identity(request: Pick<SpawnRequest, 'user' | 'group'>): Result<{uid?: number; gid?: number}, string> {
	if (request.user === null && request.group === null) {
		return ok({});
	}

	const ids: {uid?: number; gid?: number} = {};
	if (request.user !== null) {
		const user = resolveUser(request.user);
		if (!user.ok) {
			return user;
		}

		ids.uid = user.value.uid;
		if (user.value.gid !== null) {
			ids.gid = user.value.gid;
		}
	}

	if (request.group !== null) {
		const group = resolveGroup(request.group);
		if (!group.ok) {
			return group;
		}

		ids.gid = group.value;
	}

	const self = {uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0};
	const needsRoot = (ids.uid !== undefined && ids.uid !== self.uid) || (ids.gid !== undefined && ids.gid !== self.gid);
	if (needsRoot && self.uid !== 0) {
		const who = request.user === null ? `group "${request.group}"` : `user "${request.user}"`;
		return err(`cannot run as ${who}: tm runs as uid ${self.uid}, and only root can switch users`);
	}

	return needsRoot ? ok(ids) : ok({});
}

/** Checks everything that can be checked before forking, so errors name the thing. */
export function prepare(request: SpawnRequest): Result<{file: string; ids: {uid?: number; gid?: number}}, string> {
	const cwd = checkWorkingDir(request.cwd);
	if (!cwd.ok) {
		return cwd;
	}

	const [command] = request.argv;
	if (command === undefined || command === '') {
		return err('empty command');
	}

	const file = resolveCommand(command, request.cwd, request.env['PATH']);
	if (!file.ok) {
		return file;
	}

	const ids = identity(request);
	return ids.ok ? ok({file: file.value, ids: ids.value}) : ids;
}

type Streams = {stdout: Readable | null; stderr: Readable | null; notify: Readable | null};

/** Starts the process through node:child_process (the addon is missing, or a user switch is asked). */
function spawnWithNode(request: SpawnRequest, file: string, ids: {uid?: number; gid?: number}, callbacks: SpawnCallbacks, onExit: ExitHandler): {pid: number | null; streams: Streams} {
	const child = spawnChild(file, request.argv.slice(1), {
		argv0: request.argv[0],
		cwd: request.cwd,
		env: request.env,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
		...ids,
	});
	const pid = child.pid ?? null;
	ownNodeChild(child);
	child.on('error', error => {
		if (pid === null) {
			callbacks.onSpawnError(`cannot spawn ${request.argv[0]}: ${messageOf(error)}`);
		}
	});
	child.on('exit', onExit);
	return {pid, streams: {stdout: child.stdout, stderr: child.stderr, notify: (child.stdio[3] as Readable | null | undefined) ?? null}};
}

/**
 * The one exit report of a process: once the main process has exited and every pipe has closed
 * (so every byte came first), or `drainLimitMs` after the exit when a pipe stays open.
 */
class ExitGate {
	#pid: number | null = null;
	#exited: {code: number | null; signal: string | null; escaped: number[]} | null = null;
	#streams: Streams = {stdout: null, stderr: null, notify: null};
	#open = 0;
	#reported = false;
	#drainTimer: TimerHandle | null = null;
	readonly #callbacks: SpawnCallbacks;
	readonly #clock: Clock;
	readonly #marker: Marker | null;
	readonly #daemonizes: boolean;

	constructor(callbacks: SpawnCallbacks, clock: Clock, marker: Marker | null, daemonizes: boolean) {
		this.#callbacks = callbacks;
		this.#clock = clock;
		this.#marker = marker;
		this.#daemonizes = daemonizes;
	}

	get pid(): number | null {
		return this.#pid;
	}

	get exited(): boolean {
		return this.#exited !== null;
	}

	/** The process exists: its pipes' bytes go to the callbacks, and each one's close is counted. */
	wire(pid: number | null, streams: Streams): void {
		this.#pid = pid;
		this.#streams = streams;
		const pipes: Array<[Readable | null, (chunk: Buffer) => void]> = [
			[streams.stdout, chunk => this.#callbacks.onStdout(chunk)],
			[streams.stderr, chunk => this.#callbacks.onStderr(chunk)],
			[streams.notify, chunk => this.#callbacks.onNotify(chunk)],
		];
		for (const [stream, onData] of pipes) {
			if (stream !== null) {
				this.#open++;
				stream.on('data', onData);
				stream.on('error', () => {});
				stream.on('close', () => {
					this.#open--;
					this.#report();
				});
			}
		}
	}

	readonly onExit: ExitHandler = (code, signal) => {
		// Whatever the task left, in its group or in a session of its own, goes with it; this also
		// closes the pipes those processes held.
		const escaped = this.#marker === null ? [] : escapedFrom(this.#marker);
		if (this.#daemonizes && escaped.length > 0 && code === 0 && signal === null && this.#handOver(escaped)) {
			return;
		}

		this.#exited = {code, signal, escaped};
		if (this.#pid !== null) {
			signalProcess(-this.#pid, 'SIGKILL');
		}

		for (const pid of escaped) {
			if (!signalProcess(-pid, 'SIGKILL')) {
				signalProcess(pid, 'SIGKILL');
			}
		}

		this.#drainTimer = this.#clock.at(this.#clock.now() + drainLimitMs, () => {
			for (const stream of [this.#streams.stdout, this.#streams.stderr, this.#streams.notify]) {
				stream?.destroy();
			}

			this.#open = 0;
			this.#report();
		});
		this.#report();
	};

	/**
	 * Tracks the first process the daemonizing main process left; the others (its workers, or one
	 * still on its way to a session of its own) stay, and are killed when the tracked one exits.
	 */
	#handOver([next]: number[]): boolean {
		if (next === undefined || !watch(next, this.onExit)) {
			return false;
		}

		this.#pid = next;
		this.#callbacks.onTracked(next, processStartTime(next));
		return true;
	}

	#report(): void {
		if (this.#reported || this.#exited === null || this.#open > 0) {
			return;
		}

		this.#reported = true;
		this.#drainTimer?.cancel();
		this.#callbacks.onExit(this.#exited.code, this.#exited.signal, this.#exited.escaped);
	}
}

/** The task attempt a start is for, from the TM_* variables it is given (none in bare starts). */
function markerOf(env: Record<string, string>): Marker | null {
	const {TM_SOCKET: socket, TM_TASK_ID: taskId, TM_ATTEMPT: attempt} = env;
	return socket === undefined || taskId === undefined || attempt === undefined ? null : {socket, taskId, attempt};
}

/**
 * Why a start did not happen; `permanent` when a retry cannot help until someone changes the
 * config or the machine (the command, folder or user is not there): checked before forking.
 */
export type SpawnRefusal = {message: string; permanent: boolean};

export function spawnTask(request: SpawnRequest, callbacks: SpawnCallbacks, clock: Clock): Result<TaskProcess, SpawnRefusal> {
	const prepared = prepare(request);
	if (!prepared.ok) {
		return err({message: prepared.error, permanent: true});
	}

	const gate = new ExitGate(callbacks, clock, markerOf(request.env), request.daemonizes);
	const onExit = gate.onExit;
	const handle: TaskProcess = {
		get pid() {
			return gate.pid;
		},
		// A process tm tracks after a fork may not lead a group: then the process alone.
		signal: (signal: string) => (gate.pid === null || gate.exited ? false : signalProcess(-gate.pid, signal) || signalProcess(gate.pid, signal)),
	};
	const {file, ids} = prepared.value;
	// The addon cannot switch users; node:child_process can. A umask is set around a start, so that one is synchronous.
	const native = Object.keys(ids).length === 0;
	try {
		if (
			native &&
			request.umask === null &&
			nativeSpawnAsync(file, request.argv, request.env, request.cwd, {
				onExit,
				onStarted(child) {
					gate.wire(child.pid, child);
					callbacks.onStarted(child.pid, child.startTime);
				},
				onFailed: message => callbacks.onSpawnError(`cannot spawn ${request.argv[0]}: ${message}`),
			})
		) {
			return ok(handle);
		}
	} catch (error) {
		return err({message: `cannot spawn ${request.argv[0]}: ${messageOf(error)}`, permanent: false});
	}

	let started: {pid: number | null; startTime: string | null; streams: Streams};
	const previousUmask = request.umask === null ? null : process.umask(request.umask);
	try {
		const child = native ? nativeSpawn(file, request.argv, request.env, request.cwd, onExit) : null;
		started =
			child === null
				? {...spawnWithNode(request, file, ids, callbacks, onExit), startTime: null}
				: {pid: child.pid, startTime: child.startTime, streams: child};
	} catch (error) {
		return err({message: `cannot spawn ${request.argv[0]}: ${messageOf(error)}`, permanent: false});
	} finally {
		if (previousUmask !== null) {
			process.umask(previousUmask);
		}
	}

	gate.wire(started.pid, started.streams);
	if (started.pid !== null) {
		callbacks.onStarted(started.pid, started.startTime);
	}

	return ok(handle);
}
