/**
 * Job throughput and daemon cost (issue 5), against a real daemon (`tm up --foreground` in a
 * temp home):
 *  1. 1,000 jobs of `true` with max_running: 8 — completed jobs per second, next to a plain
 *     shell loop and `xargs -P 8` running /bin/true 1,000 times on the same machine (issue 22's
 *     goal: ≥ 1.0× the faster of the two), with the 1,000 `run` calls sent at once and then one
 *     at a time, median of ROUNDS (3) rounds;
 *  2. submit latency of the `run` method over the socket (p50/p95), both ways;
 *  3. daemon CPU with 100 idle programs sampled every 2 s (target ≤ 2% of one core).
 * Run with `npx tsx bench/jobs.ts [jobs] [cpu-seconds]` (cpu-seconds 0 skips 3); `TM_BIN=dist/tm`
 * measures the executable instead of the sources.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';
import {baselines} from './baselines.js';
import {completions} from './completions.js';

const jobs = Number(process.argv[2] ?? 1000);
const cpuSeconds = Number(process.argv[3] ?? 20);
const root = path.resolve(import.meta.dirname, '..');

function startDaemon(yaml: string): {dir: string; socket: string; pid: number; stop(): Promise<void>} {
	const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-jobs-'));
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const bin = process.env.TM_BIN ? [path.resolve(process.env.TM_BIN)] : [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts')];
	const child = spawn(bin[0] ?? '', [...bin.slice(1), 'up', '--foreground'], {
		cwd: dir,
		env: {...process.env, TM_HOME: path.join(dir, 'home')},
		stdio: 'ignore',
		detached: true,
	});
	const exited = new Promise(resolve => child.on('exit', resolve));
	return {
		dir,
		socket: path.join(dir, 'home', 'tm.sock'),
		pid: child.pid ?? 0,
		async stop() {
			child.kill('SIGTERM');
			await exited;
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

async function connect(socket: string): Promise<RpcClient> {
	for (let i = 0; ; i++) {
		try {
			return await RpcClient.connect(socket, {client: 'bench', timeoutMs: 500});
		} catch (error) {
			if (i > 100) {
				throw error;
			}

			await new Promise(resolve => setTimeout(resolve, 100));
		}
	}
}

const ticks = (pid: number): number => {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
	return Number(fields[11]) + Number(fields[12]);
};

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;

const slots = 8;

type Round = {rate: number; p50: number; p95: number; cpuPerJob: number};

/**
 * `jobs` jobs of /bin/true through a fresh daemon. `pipelined`: the client sends every `run` at
 * once (what the daemon can do); else it waits for each answer before sending the next (what one
 * client looping over `tm run` sees, minus the CLI's own start-up).
 */
async function throughput(pipelined: boolean): Promise<Round> {
	const daemon = startDaemon(`taskmaster:\n  max_running: ${slots}\nprograms: {}\n`);
	const client = await connect(daemon.socket);
	const observer = await completions(daemon.socket, jobs);
	const latencies: number[] = [];
	const submit = async (): Promise<void> => {
		const t = performance.now();
		await client.call('run', {argv: ['/bin/true']});
		latencies.push(performance.now() - t);
	};

	const cpuBefore = ticks(daemon.pid);
	const start = performance.now();
	if (pipelined) {
		await Promise.all(Array.from({length: jobs}, submit));
	} else {
		for (let i = 0; i < jobs; i++) {
			await submit();
		}
	}

	await observer.done;
	const ms = performance.now() - start;
	const cpuPerJob = ((ticks(daemon.pid) - cpuBefore) * 10) / jobs;
	observer.close();
	client.close();
	await daemon.stop();
	return {rate: (jobs / ms) * 1000, p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), cpuPerJob};
}

async function throughputRounds(): Promise<void> {
	const rounds = Number(process.env['ROUNDS'] ?? 3);
	const loops: number[] = [];
	const xargs: number[] = [];
	const results: Record<'pipelined' | 'sequential', Round[]> = {pipelined: [], sequential: []};
	for (let round = 0; round < rounds; round++) {
		// The baselines next to each round, so a busier moment weighs on both sides alike.
		const base = baselines(jobs, slots);
		loops.push(base.loop);
		xargs.push(base.xargs);
		results.pipelined.push(await throughput(true));
		results.sequential.push(await throughput(false));
	}

	const loopRate = quantile(loops, 0.5);
	const xargsRate = quantile(xargs, 0.5);
	const faster = Math.max(loopRate, xargsRate);
	say(`shell loop: ${jobs} × /bin/true = ${loopRate.toFixed(0)}/s (median of ${rounds}: ${loops.map(r => r.toFixed(0)).join(', ')})`);
	say(`xargs -P ${slots}: ${jobs} × /bin/true = ${xargsRate.toFixed(0)}/s (median of ${rounds}: ${xargs.map(r => r.toFixed(0)).join(', ')})`);
	for (const [mode, how] of [
		['pipelined', 'all sent at once'],
		['sequential', 'one at a time'],
	] as const) {
		const list = results[mode];
		const rate = quantile(list.map(r => r.rate), 0.5);
		say(
			`tm, ${how}: ${jobs} jobs of /bin/true (max_running ${slots}) = ${rate.toFixed(0)} jobs/s (median of ${rounds}: ${list.map(r => r.rate.toFixed(0)).join(', ')}) = ${(rate / loopRate).toFixed(2)}× the loop, ${(rate / xargsRate).toFixed(2)}× xargs (goal ≥ 1.0× the faster: ${rate >= faster ? 'met' : 'not met'}); submit latency p50 ${quantile(list.map(r => r.p50), 0.5).toFixed(2)} ms, p95 ${quantile(list.map(r => r.p95), 0.5).toFixed(2)} ms; daemon CPU ${quantile(list.map(r => r.cpuPerJob), 0.5).toFixed(2)} ms per job`,
		);
	}
}

async function idleCpu(): Promise<void> {
	const programs = Array.from({length: 100}, (_, i) => `  p${i}:\n    cmd: sleep 100000\n    starttime: 0\n`).join('');
	const daemon = startDaemon(`taskmaster:\n  sample_interval: 2s\nprograms:\n${programs}`);
	const client = await connect(daemon.socket);
	for (;;) {
		const status = await client.call('status', {});
		if (status.tasks.filter(t => t.state === 'running').length === 100) {
			break;
		}

		await new Promise(resolve => setTimeout(resolve, 200));
	}

	// Let start-up settle, then measure.
	await new Promise(resolve => setTimeout(resolve, 3000));
	const before = ticks(daemon.pid);
	const t0 = performance.now();
	await new Promise(resolve => setTimeout(resolve, cpuSeconds * 1000));
	const used = (ticks(daemon.pid) - before) / 100;
	const wall = (performance.now() - t0) / 1000;
	client.close();
	await daemon.stop();
	say(`daemon CPU with 100 programs sampled every 2 s: ${((used / wall) * 100).toFixed(2)}% of one core over ${wall.toFixed(0)} s (target ≤ 2%)`);
}

await throughputRounds();
if (cpuSeconds > 0) {
	await idleCpu();
}
