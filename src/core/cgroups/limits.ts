/**
 * `max_memory` and `max_cpu` as the kernel's limits on a run's cgroup, in the unified hierarchy
 * (`memory.max`, `cpu.max`) or a v1 one (`memory.limit_in_bytes`, `cpu.cfs_quota_us`).
 */
import {tryWrite, writeCgroupFile} from './files.js';

/** Where a limit lives: a folder of the unified hierarchy (`v2`) or of a v1 one. */
export type LimitFolder = {kind: 'v2' | 'v1'; dir: string};

/** CPU time is given per 100 ms period (the kernel's default period). */
const cpuPeriodUs = 100_000;

export function limitMemory(folder: LimitFolder, bytes: number): void {
	if (folder.kind === 'v2') {
		writeCgroupFile(folder.dir, 'memory.max', String(bytes));
		// No swap to run into instead, and the whole run goes when the kernel kills for memory.
		tryWrite(folder.dir, 'memory.swap.max', '0');
		tryWrite(folder.dir, 'memory.oom.group', '1');
		return;
	}

	writeCgroupFile(folder.dir, 'memory.limit_in_bytes', String(bytes));
	// Memory plus swap, where swap is accounted: the same limit, so it cannot swap instead.
	tryWrite(folder.dir, 'memory.memsw.limit_in_bytes', String(bytes));
}

/** `cpus` (1.5) as a quota per period: 150 ms of CPU time every 100 ms. */
export function limitCpu(folder: LimitFolder, cpus: number): void {
	const quota = Math.max(1000, Math.round(cpus * cpuPeriodUs));
	if (folder.kind === 'v2') {
		writeCgroupFile(folder.dir, 'cpu.max', `${quota} ${cpuPeriodUs}`);
		return;
	}

	writeCgroupFile(folder.dir, 'cpu.cfs_period_us', String(cpuPeriodUs));
	writeCgroupFile(folder.dir, 'cpu.cfs_quota_us', String(quota));
}
