/**
 * Starting a task with tm's own addon (native/spawn.c): posix_spawn, a vfork-style start whose
 * cost does not grow with the daemon's memory, where libuv's fork() copies the daemon's page
 * tables on every start (1.5 ms from a 90 MB node, 4.3 ms from a 190 MB one, against 0.2 ms
 * either way with the addon: `npx tsx bench/spawn.ts`). The daemon stays the parent: exits are
 * collected on SIGCHLD (and once a second while children are out, in case a signal is ever
 * missed) with waitpid on our own pids only, so libuv's children are never taken from it.
 *
 * Loaded from native/build/ when run from the sources (built by `npm ci`), from the executable's
 * assets inside dist/tm. When it cannot be loaded, or TM_SPAWN=child_process, tasks start through
 * node:child_process as before; `nativeSpawnProblem()` says why.
 */
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {loadEmbedded} from '../addons.js';

type Addon = {
	spawn(file: string, argv: string[], env: string[], cwd: string): [number, number, number, number];
	reap(pids: Int32Array): number[];
};

/** The asset's name in the executable, and the file's name in native/build/ (scripts/build-native.mjs). */
export const spawnAsset = 'tm_spawn.node';

export type NativeChild = {
	pid: number;
	stdout: net.Socket;
	stderr: net.Socket;
	notify: net.Socket;
};

type ExitHandler = (code: number | null, signal: string | null) => void;

let addon: Addon | null | undefined;
let problem: string | null = null;

/** native/build/ in the repository: two levels above src/core/process (or dist/src/core/process). */
function devAddonPath(): string | null {
	const here = typeof import.meta.dirname === 'string' ? import.meta.dirname : null;
	for (let dir = here; dir !== null && dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const file = path.join(dir, 'native', 'build', spawnAsset);
		if (existsSync(file)) {
			return file;
		}
	}

	return null;
}

function load(): Addon | null {
	if (addon !== undefined) {
		return addon;
	}

	addon = null;
	if (process.env['TM_SPAWN'] === 'child_process') {
		problem = 'TM_SPAWN=child_process';
		return addon;
	}

	try {
		const embedded = loadEmbedded(spawnAsset);
		if (embedded !== undefined) {
			addon = embedded as Addon;
			return addon;
		}

		const file = devAddonPath();
		if (file === null) {
			problem = `native/build/${spawnAsset} is missing (npm ci builds it: node scripts/build-native.mjs)`;
			return addon;
		}

		addon = createRequire(import.meta.url)(file) as Addon;
	} catch (error) {
		problem = error instanceof Error ? error.message : String(error);
	}

	return addon;
}

/** Why tasks start through node:child_process instead of the addon; null when the addon is used. */
export function nativeSpawnProblem(): string | null {
	load();
	return problem;
}

const signalNames = new Map<number, string>(Object.entries(os.constants.signals).map(([name, number]) => [number, name]));
const errnoNames = new Map<number, string>(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));
const children = new Map<number, ExitHandler>();
let safetyNet: NodeJS.Timeout | null = null;

function reap(): void {
	if (addon === null || addon === undefined || children.size === 0) {
		return;
	}

	const exits = addon.reap(Int32Array.from(children.keys()));
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

function watch(pid: number, onExit: ExitHandler): void {
	if (!process.listeners('SIGCHLD').includes(reap)) {
		process.on('SIGCHLD', reap);
	}

	children.set(pid, onExit);
	// Not a timing rule (those come from the Clock, whose timers are unref'd): a ref'd handle that
	// keeps the event loop alive while a child is out (a signal listener does not; a child's pipes
	// close before it is reaped), reaping once a second in case a SIGCHLD is ever missed.
	// eslint-disable-next-line no-restricted-globals
	safetyNet ??= setInterval(reap, 1000);
}

const pipe = (fd: number): net.Socket => new net.Socket({fd, readable: true, writable: false});

/**
 * Starts `file` (already resolved) with `argv` (argv[0] included) in its own session, stdin on
 * /dev/null and stdout, stderr and fd 3 as pipes; null when the addon is not available. Throws an
 * Error whose message names the failing call and errno (`posix_spawn EACCES: Permission denied`).
 */
export function nativeSpawn(file: string, argv: string[], env: Record<string, string>, cwd: string, onExit: ExitHandler): NativeChild | null {
	const native = load();
	if (native === null) {
		return null;
	}

	const pairs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
	const nul = [file, cwd, ...argv, ...pairs].find(text => text.includes('\0'));
	if (nul !== undefined) {
		throw new Error(`${JSON.stringify(nul)} contains a NUL character`);
	}

	let fds: [number, number, number, number];
	try {
		fds = native.spawn(file, argv, pairs, cwd);
	} catch (error) {
		const {errno, syscall, message} = error as {errno?: number; syscall?: string; message: string};
		const code = errno === undefined ? undefined : errnoNames.get(errno);
		throw new Error(code === undefined ? message : `${syscall ?? 'spawn'} ${code}: ${message.replace(/^[^:]*: /, '')}`);
	}

	const [pid, stdout, stderr, notify] = fds;
	watch(pid, onExit);
	return {pid, stdout: pipe(stdout), stderr: pipe(stderr), notify: pipe(notify)};
}
