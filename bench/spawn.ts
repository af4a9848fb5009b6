/**
 * What one task start costs the daemon's thread: node:child_process (libuv fork(), which copies
 * the caller's page tables) against tm's spawn addon (posix_spawn: vfork-style), from a process
 * holding 0 and 100 MB of extra memory (the daemon with many tasks, logs and sockets is 60–160 MB).
 * Each start is timed alone (the call only; the children are reaped after).
 * Run with `npx tsx bench/spawn.ts [starts-per-case]`.
 */
import {spawn} from 'node:child_process';
import {closeSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {performance} from 'node:perf_hooks';

const starts = Number(process.argv[2] ?? 300);
const addon = createRequire(import.meta.url)(path.resolve(import.meta.dirname, '../native/build/tm_spawn.node')) as {
	/** [pid, stdout, stderr, notify, start time] */
	spawn(file: string, argv: string[], env: string[], cwd: string): [number, number, number, number, string];
	reap(pids: Int32Array): number[];
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timeStarts(start: () => number, ours: boolean): Promise<number[]> {
	const times: number[] = [];
	const pids: number[] = [];
	for (let i = 0; i < starts; i++) {
		const t = performance.now();
		pids.push(start());
		times.push(performance.now() - t);
		if (pids.length >= 16) {
			// Keep few children out at a time, so each start sees the same machine.
			await new Promise(resolve => setImmediate(resolve));
			const out = pids.splice(0);
			if (ours) {
				// libuv reaps its own children; only the addon's are ours to wait for.
				addon.reap(Int32Array.from(out));
			}
		}
	}

	return times;
}

const viaNode = (): number => {
	const child = spawn('/bin/true', [], {stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true});
	child.stdout?.destroy();
	child.stderr?.destroy();
	return child.pid ?? 0;
};

const viaAddon = (): number => {
	const [pid, stdout, stderr, notify] = addon.spawn('/bin/true', ['true'], ['PATH=/usr/bin:/bin'], '/');
	for (const fd of [stdout, stderr, notify]) {
		closeSync(fd);
	}

	return pid;
};

process.stdout.write(`${starts} starts of /bin/true per case, node ${process.version}; time of the start call on the daemon's thread\n`);
process.stdout.write('extra memory   node:child_process (median / p95)   tm spawn addon (median / p95)\n');
let ballast: Buffer | null = null;
for (const mb of [0, 100]) {
	ballast = mb === 0 ? null : Buffer.alloc(mb * 1024 * 1024, 1);
	const node = await timeStarts(viaNode, false);
	const native = await timeStarts(viaAddon, true);
	const p95 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? 0;
	process.stdout.write(
		`${String(mb).padStart(6)} MB      ${median(node).toFixed(3)} / ${p95(node).toFixed(3)} ms                  ${median(native).toFixed(3)} / ${p95(native).toFixed(3)} ms   (rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB)\n`,
	);
}

void ballast;
