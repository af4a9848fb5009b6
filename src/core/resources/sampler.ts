/**
 * CPU and memory of each task's whole process tree, for `tm status`, `max_memory` and `stuck`.
 * The daemon calls `sample()` on its own timer with every live task's main pid; one call reads
 * /proc once (every process's stat line, off the event loop) and answers for all the roots. There
 * are no timers here and no clock: the caller passes `now`.
 *
 * Units: the tick fields of /proc/<pid>/stat are in USER_HZ and rss is in pages; both constants
 * are read from the kernel's auxiliary vector (/proc/self/auxv: AT_CLKTCK, AT_PAGESZ, what
 * `getconf CLK_TCK` / `getconf PAGESIZE` print), falling back to 100 Hz and 4096 bytes, the
 * values of every x86-64 and arm64 Linux.
 *
 * CPU is counted as utime + stime + cutime + cstime of every process in the tree: when a process
 * in the tree reaps a child, the kernel adds the child's total to the parent's cutime/cstime, so
 * a shell or `make` running many short commands shows the CPU they used, instead of ~0% (which
 * would make a busy build look `stuck`), and the tree's total does not fall when a child exits.
 * Not seen: a process that exits between two samples and is reaped outside the tree (an orphan
 * adopted by init); its last interval is lost, and the tree's CPU% is never negative.
 *
 * RSS is the sum of the members' resident sets (field 24, as `ps` shows it): pages shared
 * between members (a forked worker pool) are counted once per process, as supervisord, pm2 and
 * `ps` do. The kernel updates these counters lazily, so they may lag by a few hundred KiB.
 */
import {DEFAULT_CONCURRENCY, readKernelConstants, scanProc, type KernelConstants} from './proc-scan.js';
import type {ProcStat} from './proc-stat.js';
import {indexProcesses, treeOf} from './tree.js';

export type TreeSample = {
	/** Percent of one CPU used by the whole tree since the previous sample of this root (0 on the first). */
	cpuPercent: number;
	/** Sum of resident set sizes of the tree, bytes. */
	rss: number;
	/**
	 * CPU seconds (user+system) of the processes now in the tree, summed, including the
	 * children they have already reaped (cutime + cstime): for a task's main process spawned for
	 * this run, the CPU its run has used so far.
	 */
	cpuSeconds: number;
	/** How many processes are in the tree (zombies not counted). */
	processes: number;
};

export type ResourceSamplerOptions = {
	/** Where procfs is mounted; tests point it at a fake tree of `<pid>/stat` files. Default `/proc`. */
	procRoot?: string;
	/** Reads of /proc in flight at once without tm's addon (it reads them all in one job). Default 32. */
	concurrency?: number;
	/** USER_HZ and the page size; read from `<procRoot>/self/auxv` when not given. */
	constants?: KernelConstants;
};

type Previous = {starttime: number; ticks: number; at: number};

export class ResourceSampler {
	private readonly procRoot: string;
	private readonly concurrency: number;
	private constants: KernelConstants | null;
	private readonly previous = new Map<number, Previous>();
	private inFlight = 0;
	/** Roots forgotten while a sample was being taken: that sample must not bring them back. */
	private readonly forgottenDuringSample = new Set<number>();

	constructor(options: ResourceSamplerOptions = {}) {
		this.procRoot = options.procRoot ?? '/proc';
		this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
		this.constants = options.constants ?? null;
	}

	/**
	 * One batched sample: each root pid (a task's main process, also its process-group leader)
	 * with every process in its tree: descendants by ppid, plus members of its process group.
	 * Roots that are gone (or zombies waiting to be reaped) are absent from the map. `now` (ms)
	 * is for the CPU% delta. Never throws for a vanished pid; rejects only when `procRoot` itself
	 * cannot be listed.
	 */
	async sample(roots: number[], now: number): Promise<Map<number, TreeSample>> {
		this.inFlight++;
		try {
			const constants = await this.kernelConstants();
			const index = indexProcesses(await scanProc(this.procRoot, this.concurrency));
			const samples = new Map<number, TreeSample>();
			for (const root of new Set(roots)) {
				const tree = treeOf(index, root);
				const rootStat = tree[0];
				if (rootStat === undefined || rootStat.state === 'Z' || rootStat.state === 'X') {
					this.previous.delete(root);
					continue;
				}

				samples.set(root, this.measure(root, rootStat, tree, now, constants));
			}

			return samples;
		} finally {
			if (--this.inFlight === 0) {
				this.forgottenDuringSample.clear();
			}
		}
	}

	/** Forget a root's previous sample (its task stopped). */
	forget(root: number): void {
		this.previous.delete(root);
		if (this.inFlight > 0) {
			this.forgottenDuringSample.add(root);
		}
	}

	/** How many roots have a previous sample kept (for tests: nothing leaks). */
	get tracked(): number {
		return this.previous.size;
	}

	private measure(root: number, rootStat: ProcStat, tree: ProcStat[], now: number, constants: KernelConstants): TreeSample {
		let ticks = 0;
		let pages = 0;
		let processes = 0;
		for (const stat of tree) {
			ticks += stat.ticks;
			pages += stat.rssPages;
			if (stat.state !== 'Z' && stat.state !== 'X') {
				processes++;
			}
		}

		// The previous sample counts only if it was of this very process (a pid can be reused by
		// another task's process) and older than this one (samples may overlap).
		const before = this.previous.get(root);
		let cpuPercent = 0;
		if (before !== undefined && before.starttime === rootStat.starttime && now > before.at) {
			const seconds = Math.max(0, ticks - before.ticks) / constants.clockTicks;
			cpuPercent = (seconds / ((now - before.at) / 1000)) * 100;
		}

		if (!this.forgottenDuringSample.has(root) && (before === undefined || before.starttime !== rootStat.starttime || now > before.at)) {
			this.previous.set(root, {starttime: rootStat.starttime, ticks, at: now});
		}

		return {cpuPercent, rss: pages * constants.pageSize, cpuSeconds: ticks / constants.clockTicks, processes};
	}

	private async kernelConstants(): Promise<KernelConstants> {
		this.constants ??= await readKernelConstants(this.procRoot);
		return this.constants;
	}
}
