/**
 * Starts one task process in its own process group with stdout, stderr and the notify channel
 * (fd 3) as pipes to the daemon, and signals the whole group. Through tm's spawn addon
 * (native-spawn.ts) when it is there and no user switch is asked, else through node:child_process
 * (this is its only importer in tm). With the daemon's cgroups (cgroups.ts), the run gets a
 * cgroup of its own, which the child joins before its exec (always through the addon, which
 * then switches user and umask itself); stops, SIGKILL and pauses then reach all of it.
 *
 * Exit is reported once (exit-gate.ts): after the main process has exited AND its pipes have
 * closed, so every byte it wrote has been handed to `onStdout`/`onStderr` first. Processes the
 * task left behind are killed when the main process exits, which also closes the pipes they held.
 */
import {spawn as spawnChild} from 'node:child_process';
import type {Readable} from 'node:stream';
import type {Clock} from '../clock.js';
import {err, messageOf, ok, type Result} from '../errors.js';
import type {CgroupRequest, TaskCgroup} from '../cgroups/run-cgroup.js';
import type {Cgroups} from '../cgroups/cgroups.js';
import {ExitGate, type Streams} from './exit-gate.js';
import {nativeSpawn, nativeSpawnAsync, signalProcess} from './native-spawn.js';
import {streamPipe} from './pipe-reader.js';
import type {Marker} from './reaper.js';
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
	/** The run's cgroup, when the daemon makes them: its name and the kernel's limits. */
	cgroup?: CgroupRequest;
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
	 * The process exited; `escaped`: processes it left behind (a double fork, re-parented to the
	 * daemon; or anything still in its cgroup), which were killed with it; `oom`: why the kernel
	 * killed it for memory (its cgroup's counter), else null.
	 */
	onExit(code: number | null, signal: string | null, escaped: number[], oom: string | null): void;
};

type ExitHandler = (code: number | null, signal: string | null) => void;

export type TaskProcess = {
	/** Null until the process exists. */
	readonly pid: number | null;
	/** Signals the whole process group (SIGKILL: the whole cgroup); false when it no longer exists. */
	signal(signal: string): boolean;
	/** Freezes or thaws the task: its cgroup's freezer, else SIGSTOP/SIGCONT to the group. */
	freeze(frozen: boolean): boolean;
	/** Whether the kernel holds it to max_memory (its memory cgroup): then tm's samples do not. */
	readonly memoryByKernel: boolean;
};

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
	child.on('error', error => {
		if (pid === null) {
			callbacks.onSpawnError(`cannot spawn ${request.argv[0]}: ${messageOf(error)}`);
		}
	});
	child.on('exit', onExit);
	return {pid, streams: {stdout: streamPipe(child.stdout), stderr: streamPipe(child.stderr), notify: streamPipe(child.stdio[3] as Readable | null | undefined)}};
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

/** The task's process as the supervisor holds it; with a cgroup, SIGKILL and pauses reach the whole run. */
function processHandle(gate: ExitGate, cgroup: TaskCgroup | null): TaskProcess {
	const live = (): number | null => (gate.exited ? null : gate.pid);
	// A process tm tracks after a fork may not lead a group: then the process alone.
	const send = (signal: string): boolean => {
		const pid = live();
		return pid !== null && (signalProcess(-pid, signal) || signalProcess(pid, signal));
	};

	return {
		get pid() {
			return gate.pid;
		},
		memoryByKernel: cgroup?.limitsMemory ?? false,
		signal(signal) {
			if (signal === 'SIGKILL' && live() !== null) {
				cgroup?.kill();
			}

			return send(signal);
		},
		freeze(frozen) {
			try {
				if (cgroup !== null && live() !== null) {
					cgroup.freeze(frozen);
					return true;
				}
			} catch {
				// Its cgroup is gone from under it: the signals still work.
			}

			return send(frozen ? 'SIGSTOP' : 'SIGCONT');
		},
	};
}

export function spawnTask(request: SpawnRequest, callbacks: SpawnCallbacks, clock: Clock, cgroups: Cgroups | null = null): Result<TaskProcess, SpawnRefusal> {
	const prepared = prepare(request);
	if (!prepared.ok) {
		return err({message: prepared.error, permanent: true});
	}

	const {file, ids} = prepared.value;
	// Made before the process exists; the process joins it before its exec (Cgroups makes none without the addon).
	const cgroup = request.cgroup === undefined ? null : (cgroups?.create(request.cgroup) ?? null);
	const gate = new ExitGate(callbacks, clock, markerOf(request.env), request.daemonizes, cgroup);
	const onExit = gate.onExit;
	const handle = processHandle(gate, cgroup);
	const join = cgroup === null ? undefined : {cgroups: cgroup.procsFiles, ...ids, ...(request.umask === null ? {} : {umask: request.umask})};
	// Joining a cgroup, the addon switches user and umask in the child. Else it cannot: node:child_process
	// switches users, and a umask is set around a start, so that one is synchronous.
	const native = Object.keys(ids).length === 0;
	try {
		if (
			(join !== undefined || (native && request.umask === null)) &&
			nativeSpawnAsync(
				file,
				request.argv,
				request.env,
				request.cwd,
				{
					onExit,
					onStarted(child) {
						gate.wire(child.pid, child);
						callbacks.onStarted(child.pid, child.startTime);
					},
					onFailed(message) {
						gate.failed();
						callbacks.onSpawnError(`cannot spawn ${request.argv[0]}: ${message}`);
					},
				},
				join,
			)
		) {
			return ok(handle);
		}
	} catch (error) {
		gate.failed();
		return err({message: `cannot spawn ${request.argv[0]}: ${messageOf(error)}`, permanent: false});
	}

	// Not through the addon: no cgroup (Cgroups makes none without it), and none kept.
	gate.failed();
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
