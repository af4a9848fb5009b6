/**
 * Benchmark: one `ResourceSampler.sample()` over 100 task roots (each `sleep` in its own process
 * group, every third a shell with two sleeping children), median of 30 runs: wall time, CPU
 * time of the whole process (process.cpuUsage: the main thread and libuv's pool threads that do
 * the reads), and (median over 10 more runs) the longest stretch the event loop was blocked. Then the same over ways not taken: other
 * bounds on reads in flight, fs.promises.readFile, readFileSync, and pidusage (the stack's
 * choice) for the per-process numbers.
 *
 * Run with `npx tsx bench/sampler.ts [runs] [extra]`; `extra` idle processes outside the trees
 * show how the cost grows with the host's process count. Every process it starts is killed at the end.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {readdir, readFile} from 'node:fs/promises';
import {performance} from 'node:perf_hooks';
import pidusage from 'pidusage';
import {DEFAULT_CONCURRENCY, scanProc, scanProcInJs} from '../src/core/resources/proc-scan.js';
import {parseStat, type ProcStat} from '../src/core/resources/proc-stat.js';
import {ResourceSampler} from '../src/core/resources/sampler.js';
import {indexProcesses, treeOf} from '../src/core/resources/tree.js';

const runs = Number(process.argv[2] ?? 30);
/** Extra idle processes outside every tree: the scan reads the whole of /proc, so its cost follows the host. */
const extra = Number(process.argv[3] ?? 0);
const ROOTS = 100;
const SAMPLE_EVERY_MS = 2000;

const children: ChildProcess[] = [];

function startTrees(): number[] {
	const roots: number[] = [];
	for (let i = 0; i < ROOTS; i++) {
		const child =
			i % 3 === 0
				? spawn('sh', ['-c', 'sleep 1000 & sleep 1000 & wait'], {detached: true, stdio: 'ignore'})
				: spawn('sleep', ['1000'], {detached: true, stdio: 'ignore'});
		children.push(child);
		roots.push(child.pid as number);
	}

	for (let i = 0; i < extra; i++) {
		children.push(spawn('sleep', ['1000'], {detached: true, stdio: 'ignore'}));
	}

	return roots;
}

function killAll(): void {
	for (const child of children) {
		try {
			process.kill(-(child.pid as number), 'SIGKILL');
		} catch {
			// gone
		}
	}
}

process.on('exit', killAll);
process.on('SIGINT', () => {
	killAll();
	process.exit(130);
});

type Stats = {wall: number; cpu: number; maxStall: number};

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The longest time the event loop could not run a timer while `once` ran: a 1 ms timer chain
 * notes the gaps between its ticks (a synchronous read of all of /proc is one long gap). Taken
 * in runs of its own so the ticker's own CPU is not in the CPU figures.
 */
async function longestStall(once: () => Promise<unknown>): Promise<number> {
	let last = performance.now();
	let longest = 0;
	let ticking = true;
	const tick = (): void => {
		const t = performance.now();
		longest = Math.max(longest, t - last);
		last = t;
		if (ticking) setTimeout(tick, 1);
	};

	setTimeout(tick, 1);
	await new Promise((resolve) => setTimeout(resolve, 5));
	longest = 0;
	await once();
	tick();
	ticking = false;
	return longest;
}

type Variant = {name: string; heading?: string; once: () => Promise<unknown>};

/**
 * Every variant once per round, `runs` rounds, so a busy neighbour on the machine weighs on all of
 * them alike; medians per variant. Then 10 rounds of loop-stall runs.
 */
async function measureAll(variants: Variant[]): Promise<Map<string, Stats>> {
	for (const variant of variants) {
		for (let i = 0; i < 3; i++) await variant.once(); // warm up: JIT, pidusage's first-call getconf
	}

	const walls = variants.map((): number[] => []);
	const cpus = variants.map((): number[] => []);
	const stalls = variants.map((): number[] => []);
	for (let round = 0; round < runs; round++) {
		for (const [i, variant] of variants.entries()) {
			const cpuBefore = process.cpuUsage();
			const start = performance.now();
			await variant.once();
			const wall = performance.now() - start;
			const cpu = process.cpuUsage(cpuBefore);
			walls[i]?.push(wall);
			cpus[i]?.push((cpu.user + cpu.system) / 1000);
		}
	}

	for (let round = 0; round < Math.min(runs, 10); round++) {
		for (const [i, variant] of variants.entries()) stalls[i]?.push(await longestStall(variant.once));
	}

	const results = new Map<string, Stats>();
	for (const [i, variant] of variants.entries()) {
		const stats = {wall: median(walls[i] ?? []), cpu: median(cpus[i] ?? []), maxStall: median(stalls[i] ?? [])};
		results.set(variant.name, stats);
		const daemon = (stats.cpu / SAMPLE_EVERY_MS) * 100;
		if (variant.heading) process.stdout.write(`\n${variant.heading}\n`);
		process.stdout.write(
			`${variant.name.padEnd(50)} wall ${stats.wall.toFixed(2).padStart(6)} ms  cpu ${stats.cpu.toFixed(2).padStart(6)} ms  ` +
				`→ ${daemon.toFixed(2).padStart(4)}% of a core at 1/${SAMPLE_EVERY_MS / 1000}s  loop stall ${stats.maxStall.toFixed(1).padStart(4)} ms\n`,
		);
	}

	return results;
}

// The alternatives, built from the same parser and tree code so only the reading differs.

async function scanWithReadFile(): Promise<ProcStat[]> {
	const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
	const stats: ProcStat[] = [];
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < pids.length) {
			const pid = pids[next++] as string;
			try {
				const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'latin1'));
				if (stat) stats.push(stat);
			} catch {
				// gone
			}
		}
	};
	await Promise.all(Array.from({length: 32}, worker));
	return stats;
}

function scanSync(): ProcStat[] {
	const stats: ProcStat[] = [];
	for (const pid of readdirSync('/proc')) {
		if (!/^\d+$/.test(pid)) continue;
		try {
			const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
			if (stat) stats.push(stat);
		} catch {
			// gone
		}
	}

	return stats;
}

/** Synchronous reads, `batch` at a time, letting the event loop run between batches. */
async function scanSyncBatched(batch: number): Promise<ProcStat[]> {
	const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
	const stats: ProcStat[] = [];
	for (let i = 0; i < pids.length; i++) {
		if (i % batch === batch - 1) await new Promise((resolve) => setImmediate(resolve));
		try {
			const stat = parseStat(readFileSync(`/proc/${pids[i]}/stat`, 'latin1'));
			if (stat) stats.push(stat);
		} catch {
			// gone
		}
	}

	return stats;
}

function trees(stats: ProcStat[], roots: number[]): number {
	const index = indexProcesses(stats);
	let members = 0;
	for (const root of roots) members += treeOf(index, root).length;
	return members;
}

async function main(): Promise<void> {
	const roots = startTrees();
	const sampler = new ResourceSampler();
	// Wait (with a deadline) until every shell has both its sleeps, so each run sees the same trees.
	const expected = ROOTS + 2 * Math.ceil(ROOTS / 3);
	const deadline = Date.now() + 30_000;
	let members = 0;
	while ((members = [...(await sampler.sample(roots, Date.now())).values()].reduce((sum, s) => sum + s.processes, 0)) < expected) {
		if (Date.now() > deadline) throw new Error(`only ${members} of ${expected} processes in the trees`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}

	const total = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
	process.stdout.write(`${ROOTS} roots, ${members} processes in their trees, ${total} processes on the host; median of ${runs} runs\n\n`);

	let now = Date.now();
	const shippedName = 'ResourceSampler.sample (the addon: every stat file in one job on the pool)';
	const pidusageName = 'scanProc + pidusage(every tree pid)';
	const variants: Variant[] = [{name: shippedName, once: () => sampler.sample(roots, (now += SAMPLE_EVERY_MS))}];
	for (const concurrency of [1, 4, 8, 16, 32, 64]) {
		const name = `scanProcInJs (without the addon), ${concurrency} reads in flight${concurrency === DEFAULT_CONCURRENCY ? ' (its default)' : ''}`;
		variants.push({...(concurrency === 1 ? {heading: 'Without the addon (same parser and trees):'} : {}), name, once: async () => trees(await scanProcInJs('/proc', concurrency), roots)});
	}

	variants.push(
		{heading: 'Other ways to read (same parser and trees):', name: 'fs.promises.readFile per stat, 32 in flight', once: async () => trees(await scanWithReadFile(), roots)},
		{name: 'readFileSync per stat (blocks the loop)', once: async () => trees(scanSync(), roots)},
		{name: 'readFileSync in batches of 32, yielding between', once: async () => trees(await scanSyncBatched(32), roots)},
		{heading: "pidusage (the stack's choice); the scan is needed anyway to find the trees:", name: 'pidusage(100 roots) alone: no trees, no group', once: () => pidusage(roots)},
		{
			name: pidusageName,
			once: async () => {
				const index = indexProcesses(await scanProc('/proc'));
				await pidusage(roots.flatMap((root) => treeOf(index, root).map((s) => s.pid)));
			},
		},
	);
	const fdsBefore = readdirSync('/proc/self/fd').length;
	const results = await measureAll(variants);
	const fdsAfter = readdirSync('/proc/self/fd').length;
	const shipped = results.get(shippedName) as Stats;
	const withPidusage = results.get(pidusageName) as Stats;
	process.stdout.write(
		`  (${members} pids per call; open file descriptors: ${fdsBefore} before, ${fdsAfter} after: pidusage keeps one per pid it has seen for 60 s)\n` +
			`\nscan + pidusage costs ${(withPidusage.cpu / shipped.cpu).toFixed(2)}× the CPU of the sampler alone ` +
			`(${withPidusage.cpu.toFixed(2)} vs ${shipped.cpu.toFixed(2)} ms per sample) for numbers the scan already has.\n`,
	);
	pidusage.clear();
}

try {
	await main();
} finally {
	killAll();
}
