/**
 * Starting a task with tm's own addon (native/spawn.c): posix_spawn, a vfork-style start whose
 * cost does not grow with the daemon's memory, where libuv's fork() copies the daemon's page
 * tables on every start (1.5 ms from a 90 MB node, 4.3 ms from a 190 MB one, against 0.2 ms
 * either way with the addon: `npx tsx bench/spawn.ts`). The daemon stays the parent: exits are
 * collected on SIGCHLD (and every 5 s while children are out, in case a signal is ever
 * missed) with waitpid on our own pids only, so libuv's children are never taken from it.
 *
 * When the addon cannot be loaded (native-addon.ts), or TM_SPAWN=child_process, tasks start
 * through node:child_process; `nativeSpawnProblem()` says why.
 */
import os from 'node:os';
import {addonProblem, tmAddon, type JoinOptions} from '../native-addon.js';
import {PipeReader} from './pipe-reader.js';

export type NativeChild = {
	pid: number;
	/** Field 22 of /proc/<pid>/stat, read on the thread that started it; null when unreadable. */
	startTime: string | null;
	stdout: PipeReader;
	stderr: PipeReader;
	notify: PipeReader;
};

type ExitHandler = (code: number | null, signal: string | null) => void;

/** Why tasks start through node:child_process instead of the addon; null when the addon is used. */
export function nativeSpawnProblem(): string | null {
	return addonProblem();
}

const signalNames = new Map<number, string>(Object.entries(os.constants.signals).map(([name, number]) => [number, name]));
const errnoNames = new Map<number, string>(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));
const children = new Map<number, ExitHandler>();
let safetyNet: NodeJS.Timeout | null = null;

/** A process started by the addon and not yet reaped. */
export function isNativeChild(pid: number): boolean {
	return children.has(pid);
}

/** Reaps `pids` that have exited and calls their handlers. */
function reapPids(pids: Int32Array): void {
	const addon = tmAddon();
	if (addon === null || pids.length === 0) {
		return;
	}

	const exits = addon.reap(pids);
	for (let i = 0; i + 2 < exits.length; i += 3) {
		const [pid = 0, code = -1, signal = 0] = exits.slice(i, i + 3);
		const handler = children.get(pid);
		children.delete(pid);
		handler?.(code < 0 ? null : code, signal === 0 ? null : (signalNames.get(signal) ?? `SIG${signal}`));
	}

	if (children.size === 0 && safetyNet !== null) {
		clearInterval(safetyNet);
		safetyNet = null;
	}
}

/**
 * Reaps the children that have exited, one at a time as the kernel names them (a SIGCHLD costs
 * the exits, not a waitpid for each of 10,000 children). A zombie that is not ours (libuv's, one
 * re-parented to the daemon, reaped by their own owners) hides the rest: then each pid is asked.
 */
function reap(): void {
	const addon = tmAddon();
	for (let rounds = 0; addon !== null && children.size > 0; rounds++) {
		const pid = addon.peekExited();
		if (pid <= 0) {
			return;
		}

		if (!children.has(pid) || rounds > children.size) {
			reapPids(Int32Array.from(children.keys()));
			return;
		}

		reapPids(Int32Array.of(pid));
	}
}

/**
 * Waits for `pid`, a child of the daemon (one it started, or one re-parented to it), by its pid;
 * false when the addon is not loaded.
 */
export function watch(pid: number, onExit: ExitHandler): boolean {
	if (tmAddon() === null) {
		return false;
	}

	if (!process.listeners('SIGCHLD').includes(reap)) {
		process.on('SIGCHLD', reap);
	}

	children.set(pid, onExit);
	// Not a timing rule (those come from the Clock, whose timers are unref'd): a ref'd handle that
	// keeps the event loop alive while a child is out (a signal listener does not; a child's pipes
	// close before it is reaped), reaping every 5 s in case a SIGCHLD is ever missed (each round is
	// a waitpid per child: once a second, 100 idle programs cost 100 calls a second; issue 22).
	// eslint-disable-next-line no-restricted-globals
	safetyNet ??= setInterval(reap, 5000);
	return true;
}

function describeError(error: unknown): string {
	const {errno, syscall, message} = error as {errno?: number; syscall?: string; message: string};
	const code = errno === undefined ? undefined : errnoNames.get(errno);
	return code === undefined ? message : `${syscall ?? 'spawn'} ${code}: ${message.replace(/^[^:]*: /, '')}`;
}

/**
 * Signals a process group (`-pid`) or a process; false when it is gone. Through the addon when it
 * is there: `process.kill` builds and throws an exception for every group that is already gone,
 * the common case when a task's leftovers are killed after it exits.
 */
export function signalProcess(pid: number, signal: string): boolean {
	const addon = tmAddon();
	const number = (os.constants.signals as Record<string, number | undefined>)[signal];
	if (addon !== null && number !== undefined) {
		return addon.kill(pid, number) === 0;
	}

	try {
		process.kill(pid, signal as NodeJS.Signals);
		return true;
	} catch {
		return false;
	}
}

function started([pid, stdout, stderr, notify, startTime]: [number, number, number, number, string], onExit: ExitHandler): NativeChild {
	watch(pid, onExit);
	// It may have exited already, its SIGCHLD come and gone before its pid was known; reaped once
	// the caller has wired its pipes (an exit must never come before its start).
	queueMicrotask(() => reapPids(Int32Array.of(pid)));
	return {pid, startTime: startTime === '' ? null : startTime, stdout: new PipeReader(stdout), stderr: new PipeReader(stderr), notify: new PipeReader(notify)};
}

function strings(file: string, argv: string[], env: Record<string, string>, cwd: string): string[] {
	const pairs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
	const nul = [file, cwd, ...argv, ...pairs].find(text => text.includes('\0'));
	if (nul !== undefined) {
		throw new Error(`${JSON.stringify(nul)} contains a NUL character`);
	}

	return pairs;
}

/**
 * Starts `file` (already resolved) with `argv` (argv[0] included) in its own session, stdin on
 * /dev/null and stdout, stderr and fd 3 as pipes; null when the addon is not available. Throws an
 * Error whose message names the failing call and errno (`posix_spawn EACCES: Permission denied`).
 * Synchronous: for a start that must see the daemon's state of this moment (a umask set around it).
 */
export function nativeSpawn(file: string, argv: string[], env: Record<string, string>, cwd: string, onExit: ExitHandler): NativeChild | null {
	const native = tmAddon();
	if (native === null) {
		return null;
	}

	const pairs = strings(file, argv, env, cwd);
	let fds: [number, number, number, number, string];
	try {
		fds = native.spawn(file, argv, pairs, cwd);
	} catch (error) {
		throw new Error(describeError(error));
	}

	return started(fds, onExit);
}

/**
 * As `nativeSpawn`, with the start on a worker thread: the daemon goes on while the child gets to
 * its exec (0.2–0.6 ms a start on 2 busy cores). `onStarted` or `onFailed` is called later, once;
 * false when the addon is not available (nothing was started). With `join`, the child writes
 * itself into those cgroups before its exec and takes the ids and umask given.
 */
export function nativeSpawnAsync(
	file: string,
	argv: string[],
	env: Record<string, string>,
	cwd: string,
	callbacks: {onExit: ExitHandler; onStarted(child: NativeChild): void; onFailed(message: string): void},
	join?: JoinOptions,
): boolean {
	const native = tmAddon();
	if (native === null) {
		return false;
	}

	const pairs = strings(file, argv, env, cwd);
	const done = (error: Error | undefined, fds?: [number, number, number, number, string]): void => {
		if (error === undefined && fds !== undefined) {
			callbacks.onStarted(started(fds, callbacks.onExit));
		} else {
			callbacks.onFailed(describeError(error));
		}
	};

	native.spawnAsync(file, argv, pairs, cwd, done, join);
	return true;
}
