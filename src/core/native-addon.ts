/**
 * tm's own native addon (native/spawn.c, Node-API): process starts with posix_spawn and exit
 * collection (process/native-spawn.ts), handing the executable's start-up pages back to the
 * kernel (memory.ts), and counting the lines of task output (log/unsplit-output.ts). Loaded from native/build/ when run from the sources (built by `npm ci`),
 * from the executable's assets inside dist/tm; TM_SPAWN=child_process turns it off.
 */
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {isSea} from 'node:sea';
import {loadEmbedded} from './addons.js';

type Started = [number, number, number, number, string];

/** With these, the child joins the cgroups (their `cgroup.procs` files) before its exec, then takes the ids and umask given. */
export type JoinOptions = {cgroups: string[]; uid?: number; gid?: number; umask?: number};

export type TmAddon = {
	/** [pid, stdout, stderr, notify, start time ("" when /proc could not tell)] */
	spawn(file: string, argv: string[], env: string[], cwd: string, options?: JoinOptions): Started;
	spawnAsync(file: string, argv: string[], env: string[], cwd: string, callback: (error: Error | undefined, result?: Started) => void, options?: JoinOptions): void;
	/** 0, or the errno (ESRCH: the process or group is gone). */
	kill(pid: number, signal: number): number;
	reap(pids: Int32Array): number[];
	/** The pid of some child that has exited, left unreaped; 0 when none, -errno on failure. */
	peekExited(): number;
	/** prctl(PR_SET_CHILD_SUBREAPER): 0, or the errno. */
	setChildSubreaper(): number;
	pageOutExecutable(): number;
	/** The '\n' bytes in `bytes` (native/bytes.c). */
	countLines(bytes: Uint8Array): number;
	/** F_SETPIPE_SZ: the pipe's size now, or -errno (native/bytes.c). */
	setPipeSize(fd: number, bytes: number): number;
	/** Reads `fd` on the event loop into `buffer`: onRead(n > 0 bytes), then 0 (end) or -errno, after which the fd is closed; after a read of 16 KiB or more that emptied the pipe, the next waits `pauseMs` (native/pipe-reader.c). */
	readPipe(fd: number, buffer: Buffer, onRead: (n: number) => void, pauseMs?: number): unknown;
	/** Stops a `readPipe` early and closes its fd; at most once, never after its end. */
	closePipe(handle: unknown): void;
	/** Every `<procRoot>/<pid>/stat`, each followed by a NUL, read in one job on libuv's pool (native/proc-stats.c). */
	readProcStats(procRoot: string, callback: (error: Error | undefined, text?: string) => void): void;
	/** malloc_trim(0): 1 when memory went back to the system (native/memory.c). */
	trimMalloc(): number;
	/** RLIMIT_NOFILE's soft limit raised to the hard one: [soft before, soft now, errno]; -1 is unlimited (native/fd-limit.c). */
	raiseFileLimit(): [number, number, number];
};

/** The asset's name in the executable, and the file's name in native/build/ (scripts/build-native.mjs). */
export const addonFile = 'tm_spawn.node';

let addon: TmAddon | null | undefined;
let problem: string | null = null;

/** native/build/ in the repository, found from this file's folder (src/core, or dist/src/core). */
function devAddonPath(): string | null {
	const here = typeof import.meta.dirname === 'string' ? import.meta.dirname : null;
	for (let dir = here; dir !== null && dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const file = path.join(dir, 'native', 'build', addonFile);
		if (existsSync(file)) {
			return file;
		}
	}

	return null;
}

/** The addon, or null when it cannot be loaded (`addonProblem()` says why). */
export function tmAddon(): TmAddon | null {
	if (addon !== undefined) {
		return addon;
	}

	addon = null;
	if (process.env['TM_SPAWN'] === 'child_process') {
		problem = 'TM_SPAWN=child_process';
		return addon;
	}

	try {
		const embedded = loadEmbedded(addonFile);
		if (embedded !== undefined) {
			addon = embedded as TmAddon;
			return addon;
		}

		const file = devAddonPath();
		if (file === null) {
			problem = `native/build/${addonFile} is missing (npm ci builds it: node scripts/build-native.mjs)`;
			return addon;
		}

		addon = createRequire(import.meta.url)(file) as TmAddon;
	} catch (error) {
		problem = error instanceof Error ? error.message : String(error);
	}

	return addon;
}

/**
 * Why the addon would not be used, found without loading it (`tm version`: nothing is extracted
 * from the executable for a question); null when it would be.
 */
export function addonAbsence(): string | null {
	if (addon !== undefined || process.env['TM_SPAWN'] === 'child_process') {
		return addonProblem();
	}

	return isSea() || devAddonPath() !== null ? null : `native/build/${addonFile} is missing (npm ci builds it: node scripts/build-native.mjs)`;
}

/** Why the addon is not used; null when it is. */
export function addonProblem(): string | null {
	tmAddon();
	return problem;
}
