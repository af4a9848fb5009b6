/**
 * Reading `/proc`: every process's stat line in one pass, off the event loop (tm's addon reads
 * them all in one job on libuv's pool; without it, a bounded number of reads in flight so a host
 * with thousands of processes never blocks the event loop for long), and the two kernel
 * constants needed to turn its numbers into seconds and bytes.
 */
import {close, open, read} from 'node:fs';
import {readdir, readFile} from 'node:fs/promises';
import {endianness} from 'node:os';
import {tmAddon} from '../native-addon.js';
import {parseStat, type ProcStat} from './proc-stat.js';

/** Stat lines are a few hundred bytes; 1 KiB always holds one (longer lines are read in full anyway). */
const STAT_BUFFER = 1024;

/**
 * Reads in flight at once: enough to keep libuv's 4 pool threads busy without sleeping between
 * jobs (fewer costs more CPU per sample, see bench/sampler.ts), few enough that another fs call
 * waits behind at most a few hundred microseconds of these.
 */
export const DEFAULT_CONCURRENCY = 32;

/**
 * Reads a small /proc file with one open, one read per KiB and one close on the libuv pool
 * (`fs.promises.readFile` adds an fstat and a second read to find the end, and a FileHandle per
 * file; this is measurably cheaper, see bench/sampler.ts). Resolves null when the file is gone.
 */
function readSmall(path: string, buffer: Buffer): Promise<string | null> {
	return new Promise((resolve) => {
		open(path, 'r', (openError, fd) => {
			if (openError) {
				resolve(null);
				return;
			}

			const chunks: Buffer[] = [];
			const next = (position: number): void => {
				read(fd, buffer, 0, buffer.length, position, (readError, bytes) => {
					if (readError) {
						// ESRCH: the process exited between open and read.
						close(fd, () => resolve(null));
						return;
					}

					if (bytes === buffer.length) {
						chunks.push(Buffer.from(buffer));
						next(position + bytes);
						return;
					}

					const text = chunks.length === 0 ? buffer.toString('latin1', 0, bytes) : Buffer.concat([...chunks, buffer.subarray(0, bytes)]).toString('latin1');
					close(fd, () => resolve(text));
				});
			};

			next(0);
		});
	});
}

/** Every numeric entry of `procRoot`: the thread-group ids, i.e. the processes (threads are below `task/`). */
async function listPids(procRoot: string): Promise<number[]> {
	const pids: number[] = [];
	for (const name of await readdir(procRoot)) {
		const code = name.charCodeAt(0);
		if (code >= 48 && code <= 57 && /^\d+$/.test(name)) {
			pids.push(Number(name));
		}
	}

	return pids;
}

/**
 * One stat line per process under `procRoot`, parsed. Processes that exit during the scan are
 * simply missing; lines that do not parse are skipped. Never throws for a vanished pid; throws
 * only when `procRoot` itself cannot be listed.
 */
export async function scanProc(procRoot: string, concurrency = DEFAULT_CONCURRENCY): Promise<ProcStat[]> {
	const addon = tmAddon();
	return addon === null ? scanProcInJs(procRoot, concurrency) : parseLines(await readInOneJob(addon.readProcStats, procRoot));
}

function readInOneJob(readProcStats: (procRoot: string, callback: (error: Error | undefined, text?: string) => void) => void, procRoot: string): Promise<string> {
	return new Promise((resolve, reject) => {
		readProcStats(procRoot, (error, text) => {
			if (error === undefined) {
				resolve(text ?? '');
			} else {
				reject(error);
			}
		});
	});
}

function parseLines(text: string): ProcStat[] {
	const stats: ProcStat[] = [];
	let start = 0;
	while (start < text.length) {
		const end = text.indexOf('\0', start);
		const stop = end === -1 ? text.length : end;
		const stat = parseStat(text.slice(start, stop));
		if (stat !== null) {
			stats.push(stat);
		}

		start = stop + 1;
	}

	return stats;
}

/** `scanProc` without the addon: three pool round trips per file, `concurrency` files at once. */
export async function scanProcInJs(procRoot: string, concurrency = DEFAULT_CONCURRENCY): Promise<ProcStat[]> {
	const pids = await listPids(procRoot);
	const stats: ProcStat[] = [];
	let next = 0;
	const worker = async (): Promise<void> => {
		// Bytes are decoded as latin1: the command name is the only non-numeric field and is never
		// used for a decision; latin1 cannot fail or shift the fields whatever bytes it holds.
		const buffer = Buffer.allocUnsafe(STAT_BUFFER);
		while (next < pids.length) {
			const pid = pids[next++] as number;
			const line = await readSmall(`${procRoot}/${pid}/stat`, buffer);
			const stat = line === null ? null : parseStat(line);
			if (stat !== null) {
				stats.push(stat);
			}
		}
	};

	const workers: Array<Promise<void>> = [];
	for (let i = 0; i < Math.max(1, Math.min(concurrency, pids.length)); i++) {
		workers.push(worker());
	}

	await Promise.all(workers);
	return stats;
}

export type KernelConstants = {
	/** USER_HZ: the unit of the tick fields of /proc/<pid>/stat (`getconf CLK_TCK`). */
	clockTicks: number;
	/** The page size, the unit of the rss field (`getconf PAGESIZE`). */
	pageSize: number;
};

/** What every x86-64 and arm64 Linux uses; the fallback when the auxiliary vector cannot be read. */
export const DEFAULT_CONSTANTS: KernelConstants = {clockTicks: 100, pageSize: 4096};

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * The kernel's own answer, from the auxiliary vector it handed this process at exec
 * (`/proc/self/auxv`: AT_CLKTCK and AT_PAGESZ, the very values glibc's sysconf() returns), so no
 * `getconf` child is spawned. Entries are pairs of native words (8 bytes on 64-bit Node, 4 on
 * 32-bit) in native byte order. Any value that is missing or implausible falls back to the default.
 */
export async function readKernelConstants(procRoot: string): Promise<KernelConstants> {
	let auxv: Buffer;
	try {
		auxv = await readFile(`${procRoot}/self/auxv`);
	} catch {
		return DEFAULT_CONSTANTS;
	}

	return parseAuxv(auxv, /64|s390x/.test(process.arch) ? 8 : 4, endianness());
}

export function parseAuxv(auxv: Buffer, word: 4 | 8, endian: 'LE' | 'BE'): KernelConstants {
	const readWord = (offset: number): number => {
		if (word === 8) {
			return Number(endian === 'LE' ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset));
		}

		return endian === 'LE' ? auxv.readUInt32LE(offset) : auxv.readUInt32BE(offset);
	};

	let {clockTicks, pageSize} = DEFAULT_CONSTANTS;
	for (let offset = 0; offset + 2 * word <= auxv.length; offset += 2 * word) {
		const key = readWord(offset);
		const value = readWord(offset + word);
		if (key === 0) {
			break; // AT_NULL ends the vector
		}

		if (key === AT_CLKTCK && value >= 1 && value <= 100_000) {
			clockTicks = value;
		} else if (key === AT_PAGESZ && value >= 1024 && value <= 1 << 30 && (value & (value - 1)) === 0) {
			pageSize = value;
		}
	}

	return {clockTicks, pageSize};
}
