/**
 * How the daemon grows with the number of tasks. For each size N (10, 100, 1,000 by default) a
 * fresh daemon (`tm up --foreground`, temp home) supervises N programs of `sleep 100000`
 * (`starttime: 0`, everything else tm's default, so the monitor samples every task's process
 * tree at the default `sample_interval`). Once all N are running (polled with `status`, with a
 * deadline) and start-up has settled, no client stays connected and, over a window:
 *  - the daemon's RSS (VmRSS of /proc/PID/status, read every second: mean and max; VmHWM is
 *    the peak since start, start-up included);
 *  - the daemon's CPU (utime + stime of /proc/PID/stat over the window) as % of one core.
 * Per task: the totals divided by N, and the slope between consecutive sizes (what one more
 * task costs). After the window every task must still be running.
 *
 * The daemon is `node --import tsx bin/tm.ts` (source, as in development: tsx's loader is
 * part of its RSS), or the executable named by `TM_BIN` (e.g. `TM_BIN=$PWD/dist/tm`).
 * Every process it starts (the daemon, with its process group, and each task's group) is
 * killed and every temp folder removed, on failure and on Ctrl-C too.
 *
 * Run with `npx tsx bench/growth.ts [window-seconds] [sizes] [settle-seconds]`
 * (defaults 10, 10,100,1000, 5). About 1.5 min with the defaults on 2 cores.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {connect, destroyAll, sleep, startDaemon, stop, waitRunning} from './daemons.js';

const windowSeconds = Number(process.argv[2] ?? 10);
const sizes = (process.argv[3] ?? '10,100,1000').split(',').map(Number);
const settleSeconds = Number(process.argv[4] ?? 5);
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

if (!(windowSeconds > 0) || sizes.some(n => !Number.isInteger(n) || n < 1) || !(settleSeconds >= 0)) {
	throw new Error('usage: npx tsx bench/growth.ts [window-seconds > 0] [sizes, e.g. 10,100,1000] [settle-seconds]');
}

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

function kib(pid: number, key: 'VmRSS' | 'VmHWM'): number {
	const line = readFileSync(`/proc/${pid}/status`, 'utf8')
		.split('\n')
		.find(l => l.startsWith(`${key}:`));
	return Number(line?.split(/\s+/)[1] ?? Number.NaN);
}

function cpuTicks(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
	return Number(fields[11]) + Number(fields[12]);
}

type Row = {n: number; upSeconds: number; rssMean: number; rssMax: number; hwm: number; cpuPercent: number; window: number};

async function measure(n: number): Promise<Row> {
	const daemon = startDaemon('growth', n);
	try {
		const t0 = performance.now();
		const deadline = t0 + 60_000 + n * 100;
		const client = await connect(daemon, deadline);
		await waitRunning(daemon, client, n, t0, deadline);
		const upSeconds = (performance.now() - t0) / 1000;
		await client.close();
		await sleep(settleSeconds * 1000);

		const rss: number[] = [];
		const ticks0 = cpuTicks(daemon.pid);
		const w0 = performance.now();
		const end = w0 + windowSeconds * 1000;
		for (let next = w0 + 1000; ; next += 1000) {
			await sleep(Math.max(0, Math.min(next, end) - performance.now()));
			rss.push(kib(daemon.pid, 'VmRSS'));
			if (performance.now() >= end) {
				break;
			}
		}

		const window = (performance.now() - w0) / 1000;
		const cpuPercent = ((cpuTicks(daemon.pid) - ticks0) / clockTicks / window) * 100;
		const hwm = kib(daemon.pid, 'VmHWM');

		// Still all running after the window?
		const check = await connect(daemon, performance.now() + 10_000);
		const after = await check.call('status', {}, {timeoutMs: 30_000});
		await check.close();
		const running = after.tasks.filter(t => t.state === 'running').length;
		if (running !== n) {
			throw new Error(`${n - running} of ${n} tasks left running during the window`);
		}

		return {
			n,
			upSeconds,
			rssMean: rss.reduce((a, b) => a + b, 0) / rss.length,
			rssMax: Math.max(...rss),
			hwm,
			cpuPercent,
			window,
		};
	} catch (error) {
		const tail = (() => {
			try {
				return readFileSync(daemon.out, 'utf8').split('\n').slice(-15).join('\n');
			} catch {
				return '';
			}
		})();
		say(`N=${n} failed; the daemon's last output lines:\n${tail}`);
		throw error;
	} finally {
		await stop(daemon);
	}
}

const mib = (k: number): string => (k / 1024).toFixed(1);

say(
	`daemon growth: ${process.env.TM_BIN ? `TM_BIN=${process.env.TM_BIN}` : 'node --import tsx bin/tm.ts'}, programs of \`sleep 100000\` (starttime 0), default sample_interval, ` +
		`settle ${settleSeconds} s, window ${windowSeconds} s, node ${process.version}`,
);
const rows: Row[] = [];
try {
	for (const n of sizes) {
		rows.push(await measure(n));
	}
} finally {
	destroyAll();
}

say('');
say('tasks  all up   RSS MiB (mean / max / VmHWM)   RSS/task KiB  ΔRSS/task KiB   CPU % of a core  CPU/task %   ΔCPU/task %');
let previous: Row | undefined;
for (const row of rows) {
	const slope = (f: (r: Row) => number, digits: number): string =>
		previous && row.n > previous.n ? (((f(row) - f(previous)) / (row.n - previous.n)) + 0).toFixed(digits).replace(/^-(0\.0+)$/, '$1') : '-';
	say(
		[
			String(row.n).padStart(5),
			`${row.upSeconds.toFixed(1)} s`.padStart(8),
			`${mib(row.rssMean)} / ${mib(row.rssMax)} / ${mib(row.hwm)}`.padStart(28),
			(row.rssMean / row.n).toFixed(1).padStart(15),
			slope(r => r.rssMean, 1).padStart(14),
			row.cpuPercent.toFixed(2).padStart(17),
			(row.cpuPercent / row.n).toFixed(4).padStart(11),
			slope(r => r.cpuPercent, 4).padStart(13),
		].join(' '),
	);
	previous = row;
}
