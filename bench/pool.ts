/**
 * The adaptive pool against fixed slots (issue 18): 1,000 jobs of /bin/true through a fresh
 * daemon (`tm up --foreground` in a temp home), sent all at once, with
 *  - `max_running: 8`,
 *  - `max_running: {min: 2, max: 16}` sampled every 2 s (the default `sample_interval`),
 *  - the same pool sampled every 250 ms,
 *  - that pool with `cpu_target: 100%` (it grows while jobs wait, however busy the host),
 * in turn, ROUNDS (3) times; completed jobs per second, median per setting, side by side, with
 * the slot changes the pool made in its last round (from the daemon log) and the host's CPU busy.
 * Run with `npx tsx bench/pool.ts [jobs]`; `TM_BIN=dist/tm` measures the executable.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';
import {completions} from './completions.js';
import {CpuBusy} from '../src/core/resources/cpu-busy.js';

const jobs = Number(process.argv[2] ?? 1000);
const rounds = Number(process.env['ROUNDS'] ?? 3);
const root = path.resolve(import.meta.dirname, '..');

const settings = [
	{name: 'max_running: 8', yaml: 'max_running: 8'},
	{name: 'max_running: {min: 2, max: 16}, sample_interval 2s', yaml: 'max_running: {min: 2, max: 16}'},
	{name: 'max_running: {min: 2, max: 16}, sample_interval 250ms', yaml: 'max_running: {min: 2, max: 16}\n  sample_interval: 250ms'},
	{name: '… with cpu_target: 100%, sample_interval 250ms', yaml: 'max_running: {min: 2, max: 16, cpu_target: 100%}\n  sample_interval: 250ms'},
];

function startDaemon(daemonKeys: string): {dir: string; socket: string; stop(): Promise<void>} {
	const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-pool-'));
	writeFileSync(path.join(dir, 'tm.yaml'), `taskmaster:\n  logfile: ./tmd.log\n  http: off\n  ${daemonKeys}\nprograms: {}\n`);
	const bin = process.env['TM_BIN'] ? [path.resolve(process.env['TM_BIN'])] : [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts')];
	const child = spawn(bin[0] ?? '', [...bin.slice(1), 'up', '--foreground'], {cwd: dir, env: {...process.env, TM_HOME: path.join(dir, 'home')}, stdio: 'ignore', detached: true});
	const exited = new Promise(resolve => child.on('exit', resolve));
	return {
		dir,
		socket: path.join(dir, 'home', 'tm.sock'),
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


type Round = {rate: number; steps: string[]; cpuBusy: number | null};

async function round(daemonKeys: string): Promise<Round> {
	const daemon = startDaemon(daemonKeys);
	const client = await connect(daemon.socket);
	const observer = await completions(daemon.socket, jobs);
	const cpu = new CpuBusy();
	await cpu.sample();
	const start = performance.now();
	await Promise.all(Array.from({length: jobs}, async () => client.call('run', {argv: ['/bin/true']})));
	await observer.done;
	const ms = performance.now() - start;
	const cpuBusy = await cpu.sample();
	const steps = readFileSync(path.join(daemon.dir, 'tmd.log'), 'utf8')
		.split('\n')
		.filter(line => line.includes('"message":"slots '))
		.map(line => (JSON.parse(line) as {message: string}).message.replace(/^slots /, ''));
	observer.close();
	client.close();
	await daemon.stop();
	return {rate: (jobs / ms) * 1000, steps, cpuBusy};
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const results = settings.map(() => [] as Round[]);
for (let r = 0; r < rounds; r++) {
	// Each setting in every round, so a busier moment of the machine weighs on all alike.
	for (const [i, setting] of settings.entries()) {
		results[i]!.push(await round(setting.yaml));
	}
}

process.stdout.write(`${jobs} jobs of /bin/true sent at once, median of ${rounds} rounds:\n`);
for (const [i, setting] of settings.entries()) {
	const list = results[i]!;
	const last = list.at(-1)!;
	const busy = list.map(r => (r.cpuBusy === null ? '?' : `${r.cpuBusy.toFixed(0)}%`)).join(', ');
	process.stdout.write(
		`${setting.name.padEnd(55)} ${median(list.map(r => r.rate)).toFixed(0).padStart(5)} jobs/s (${list.map(r => r.rate.toFixed(0)).join(', ')}); host CPU busy ${busy}; slot changes in the last round: ${last.steps.length === 0 ? 'none' : last.steps.join(' | ')}\n`,
	);
}
