/**
 * The machine the daemon runs on, for the dashboard's header and `status`: load averages,
 * memory and the free space where the daemon keeps its files. Sampled on the daemon's timer.
 */
import {readFile, statfs} from 'node:fs/promises';
import {availableParallelism, cpus, freemem, hostname, loadavg, totalmem} from 'node:os';

export type HostSample = {hostname: string; load: [number, number, number]; cpus: number; memoryTotal: number; memoryFree: number; diskFree: number | null};

/**
 * MemTotal and MemAvailable from meminfo, in bytes; null when either is missing. MemAvailable
 * (Linux ≥ 3.14) is the kernel's estimate of what can be allocated without swapping, page cache
 * included: what a person means by "free". `os.freemem()` is MemFree on Node 20 and counts the
 * page cache as used, so a busy file server would always look out of memory.
 */
export function parseMeminfo(text: string): {total: number; available: number} | null {
	const kib = (key: string): number | null => {
		const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
		return match === null ? null : Number(match[1]) * 1024;
	};

	const total = kib('MemTotal');
	const available = kib('MemAvailable');
	return total === null || available === null ? null : {total, available};
}

/** Free bytes for an unprivileged user (blocks available × block size), or null on any error. */
async function diskFreeOf(dir: string): Promise<number | null> {
	try {
		const stats = await statfs(dir);
		return stats.bavail * stats.bsize;
	} catch {
		return null;
	}
}

async function memory(procRoot: string): Promise<{total: number; available: number}> {
	try {
		const parsed = parseMeminfo(await readFile(`${procRoot}/meminfo`, 'latin1'));
		if (parsed !== null) {
			return parsed;
		}
	} catch {
		// no procfs: Node's view below
	}

	return {total: totalmem(), available: freemem()};
}

/**
 * Host load, memory (MemAvailable from /proc/meminfo as "free") and free bytes on `dir`'s file
 * system (fs.statfs; null on error). `cpus` counts the host's online CPUs, the scale of its load
 * averages (not the few a container may be limited to).
 */
export async function sampleHost(dir: string, options: {procRoot?: string} = {}): Promise<HostSample> {
	const [mem, diskFree] = await Promise.all([memory(options.procRoot ?? '/proc'), diskFreeOf(dir)]);
	const [one = 0, five = 0, fifteen = 0] = loadavg();
	return {hostname: hostname(), load: [one, five, fifteen], cpus: cpus().length || availableParallelism(), memoryTotal: mem.total, memoryFree: mem.available, diskFree};
}
