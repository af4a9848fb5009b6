/**
 * A deep job queue (issue 22, goal 4), against a real daemon with `max_running: 8`:
 *  1. eight blockers (`sleep`) take the slots, then JOBS (100,000) `run` calls of `/bin/true`
 *     are sent in chunks of CHUNK (10,000), each chunk all at once: the submit rate per chunk
 *     (does it hold as the queue grows?), then SEQ (2,000) more one at a time on top;
 *  2. daemon RSS (VmRSS, VmHWM) with them all queued, and its CPU over IDLE_S (30 s) while they
 *     wait, after SETTLE_S (10 s): the blockers hold the slots and nothing changes, so what the
 *     daemon still does is per tick;
 *  3. `tm queue` and `tm tasks --state queued` as a user runs them (the whole command, output to
 *     /dev/null), median of 3, and the bare socket call;
 *  4. the blockers are cancelled and the queue drains through the 8 slots: completed jobs per
 *     second over the first DRAIN jobs (all of them by default: with a smaller DRAIN, a sample
 *     window at the queue's full depth) and daemon CPU per job, against `xargs -P 8` and a shell
 *     loop running BASE (min(DRAIN, 10,000)) `/bin/true` just before and just after the drain.
 * Run: `npx tsx bench/queue-scale.ts [JOBS] [DRAIN] [SEQ]`; env CHUNK, BASE, SETTLE_S, IDLE_S; `TM_BIN=dist/tm` for the
 * executable (else the sources through tsx); `PROF_DIR=/tmp/p` (sources only) writes the
 * daemon's --cpu-prof there (written when it exits).
 */
import {spawn, spawnSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';
import {baselines, timed} from './baselines.js';
import {completions} from './completions.js';

const jobs = Number(process.argv[2] ?? 100_000);
const drain = Math.min(jobs, Number(process.argv[3] ?? jobs));
const sequential = Number(process.argv[4] ?? 2000);
const chunk = Number(process.env['CHUNK'] ?? 10_000);
const base = Number(process.env['BASE'] ?? Math.min(drain, 10_000));
const slots = 8;
const root = path.resolve(import.meta.dirname, '..');
const profDir = process.env['PROF_DIR'];
const tmArgv = process.env['TM_BIN'] ? [path.resolve(process.env['TM_BIN'])] : [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts')];
// --cpu-prof is refused in NODE_OPTIONS: the sources through tsx only.
const daemonArgv = profDir && !process.env['TM_BIN'] ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`, ...tmArgv.slice(1)] : tmArgv;

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const ticks = (pid: number): number => {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return Number(fields[11]) + Number(fields[12]);
};

const statusKiB = (pid: number, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);

const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-queue-'));
const home = path.join(dir, 'home');
writeFileSync(path.join(dir, 'tm.yaml'), `taskmaster:\n  max_running: ${slots}\nprograms: {}\n`);
const env = {...process.env, TM_HOME: home};
const out = openSync(path.join(dir, 'daemon.out'), 'w');
const daemon = spawn(daemonArgv[0] ?? '', [...daemonArgv.slice(1), 'up', '--foreground'], {cwd: dir, env, stdio: ['ignore', out, out], detached: true});
closeSync(out);
const daemonPid = daemon.pid ?? 0;
const exited = new Promise(resolve => daemon.on('exit', resolve));
const socketPath = path.join(home, 'tm.sock');

/** SIGKILL to the daemon's group and to the process group of every task it may have left. */
function destroy(): void {
	for (const line of spawnSync('pgrep', ['-P', String(daemonPid)], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean)) {
		try {
			process.kill(-Number(line), 'SIGKILL');
		} catch {
			// gone
		}
	}

	try {
		process.kill(-daemonPid, 'SIGKILL');
	} catch {
		// gone
	}

	rmSync(dir, {recursive: true, force: true});
}

process.once('SIGINT', () => {
	destroy();
	process.exit(130);
});

async function connect(): Promise<RpcClient> {
	const deadline = performance.now() + 60_000;
	for (;;) {
		try {
			return await RpcClient.connect(socketPath, {client: 'bench-queue', timeoutMs: 5000});
		} catch (error) {
			if (performance.now() > deadline || daemon.exitCode !== null) {
				process.stderr.write(readFileSync(path.join(dir, 'daemon.out'), 'utf8'));
				throw error;
			}

			await new Promise(resolve => setTimeout(resolve, 100));
		}
	}
}


function cli(args: string[]): number {
	return median([0, 1, 2].map(() => timed(tmArgv[0] ?? '', [...tmArgv.slice(1), '--home', home, ...args])));
}

try {
	const client = await connect();
	const blockers: string[] = [];
	for (let i = 0; i < slots; i++) {
		blockers.push((await client.call('run', {argv: ['sleep', '100000']})).id);
	}

	for (const line of [`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`, `${jobs} jobs of /bin/true, max_running ${slots} held by ${slots} blockers while they are sent`]) {
		say(line);
	}

	// 1. Submit: chunks sent all at once, then one at a time.
	const rates: number[] = [];
	const cpuBefore = ticks(daemonPid);
	const submitStart = performance.now();
	for (let sent = 0; sent < jobs; sent += chunk) {
		const size = Math.min(chunk, jobs - sent);
		const t = performance.now();
		await Promise.all(Array.from({length: size}, () => client.call('run', {argv: ['/bin/true']})));
		rates.push((size / (performance.now() - t)) * 1000);
	}

	const submitMs = performance.now() - submitStart;
	const submitCpu = ((ticks(daemonPid) - cpuBefore) * 10) / jobs;
	say(`submit, ${chunk} at once: ${((jobs / submitMs) * 1000).toFixed(0)} runs/s overall; per chunk ${rates.map(r => r.toFixed(0)).join(', ')}; daemon CPU ${submitCpu.toFixed(3)} ms per run`);
	const latencies: number[] = [];
	for (let i = 0; i < sequential; i++) {
		const t = performance.now();
		await client.call('run', {argv: ['/bin/true']});
		latencies.push(performance.now() - t);
	}

	const total = jobs + sequential;
	const sum = latencies.reduce((a, b) => a + b, 0);
	say(`submit, one at a time (${sequential} on top of ${jobs} queued): ${((sequential / sum) * 1000).toFixed(0)} runs/s, p50 ${median(latencies).toFixed(2)} ms, p95 ${[...latencies].sort((a, b) => a - b)[Math.floor(0.95 * latencies.length)]?.toFixed(2)} ms`);

	// 2. Memory with everything queued.
	say(`daemon with ${total} queued: VmRSS ${(statusKiB(daemonPid, 'VmRSS') / 1024).toFixed(0)} MiB, VmHWM ${(statusKiB(daemonPid, 'VmHWM') / 1024).toFixed(0)} MiB`);
	// After the submits settle (their garbage collected, the WAL checkpointed), as scale.ts does.
	await new Promise(resolve => setTimeout(resolve, Number(process.env['SETTLE_S'] ?? 10) * 1000));
	const idleSeconds = Number(process.env['IDLE_S'] ?? 30);
	const idleBefore = ticks(daemonPid);
	await new Promise(resolve => setTimeout(resolve, idleSeconds * 1000));
	say(`daemon CPU with ${total} queued and nothing changing: ${((ticks(daemonPid) - idleBefore) / idleSeconds).toFixed(2)}% of one core over ${idleSeconds} s`);

	// 3. Reading the queue.
	for (const [what, method, params] of [
		['queue', 'queue', {}],
		['tasks --state queued', 'tasks', {states: ['queued']}],
	] as const) {
		const t = performance.now();
		const answer = await client.call(method, params as never);
		const rpc = performance.now() - t;
		const command = cli(what.split(' '));
		say(`tm ${what}: ${command.toFixed(0)} ms (whole command, median of 3); socket call ${rpc.toFixed(0)} ms, ${(JSON.stringify(answer).length / 1e6).toFixed(1)} MB`);
	}

	// 4. Drain.
	const before = baselines(base, slots);
	const observer = await completions(socketPath, drain);
	const drainCpu = ticks(daemonPid);
	const drainStart = performance.now();
	await client.call('cancel', {names: blockers});
	await observer.done;
	const drainMs = performance.now() - drainStart;
	const cpuPerJob = ((ticks(daemonPid) - drainCpu) * 10) / drain;
	observer.close();
	const after = baselines(base, slots);
	const rate = (drain / drainMs) * 1000;
	const loop = (before.loop + after.loop) / 2;
	const xargs = (before.xargs + after.xargs) / 2;
	say(`shell loop: ${loop.toFixed(0)}/s (${before.loop.toFixed(0)} before, ${after.loop.toFixed(0)} after), xargs -P ${slots}: ${xargs.toFixed(0)}/s (${before.xargs.toFixed(0)}, ${after.xargs.toFixed(0)}); ${base} × /bin/true each`);
	say(`drain: ${drain} of ${total} queued in ${(drainMs / 1000).toFixed(1)} s = ${rate.toFixed(0)} jobs/s = ${(rate / loop).toFixed(2)}× the loop, ${(rate / xargs).toFixed(2)}× xargs (goal ≥ 1.0× the faster); daemon CPU ${cpuPerJob.toFixed(3)} ms per job`);
	say(`load average at end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
	client.close();
	process.kill(daemonPid, 'SIGTERM');
	// The rest of the queue is stopped, as a shutdown does; a profile is written on exit.
	await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 120_000).unref())]);
} finally {
	destroy();
}
