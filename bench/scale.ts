/**
 * Issue 22, goal 3: N programs (10,000 by default: 10 programs of `numprocs: N/10`, each `sleep`)
 * under tm and under supervisord, one after the other in the same run, each daemon started under
 * `prlimit --nofile=LIMIT:LIMIT` (20,000 by default). For each:
 *  - the start: how long the command that starts the daemon took and whether it succeeded
 *    (`tm up -c`, which returns once the daemon answers; `supervisord -c`), and the time until
 *    every task is running (polled every second), or how many ran at the deadline;
 *  - the daemon's descriptors (/proc/PID/fd) with no programs (a daemon of its own) and with all
 *    running, idle: per task;
 *  - RSS and PSS (/proc/PID/smaps_rollup) after a settle time: total, per task, and per task over
 *    the empty daemon's;
 *  - idle CPU over a window (utime + stime of /proc/PID/stat) as % of one core;
 *  - `status` latency, all tasks and one task, as a user runs it (`tm status --json`,
 *    `supervisorctl status`; median of 5) and, for tm, over the socket in process (RpcClient:
 *    median of 20 `status` calls of one task);
 *  - the time to stop them all (`tm stop all`, `supervisorctl stop all`).
 * Every process started (each daemon's group, each task's group) is killed by pid at the end.
 *
 * Run: `npm run build:tsc && npx tsx bench/scale.ts [N] [tools]` (defaults 10000, tm,supervisord);
 * env: LIMIT (20000), PROGRAMS (10), IDLE_S (30), SETTLE_S (10), DEADLINE_S (600),
 * TM_BIN (default `node dist/bin/tm.js`), SUPERVISORD_BIN / SUPERVISORCTL_BIN.
 * About 10 minutes at 10,000 on 2 cores. Prints a markdown table.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';
import type {StatusDoc} from '../src/core/ipc/methods.js';
import {sleep} from './daemons.js';

const n = Number(process.argv[2] ?? 10_000);
const tools = (process.argv[3] ?? 'tm,supervisord').split(',');
const limit = Number(process.env.LIMIT ?? 20_000);
const programs = Number(process.env.PROGRAMS ?? 10);
const idleSeconds = Number(process.env.IDLE_S ?? 30);
const settleSeconds = Number(process.env.SETTLE_S ?? 10);
const deadlineSeconds = Number(process.env.DEADLINE_S ?? 600);
const root = path.resolve(import.meta.dirname, '..');
const tmBin = process.env.TM_BIN ? [path.resolve(process.env.TM_BIN)] : [process.execPath, path.join(root, 'dist/bin/tm.js')];
const supervisord = process.env.SUPERVISORD_BIN ?? '/usr/bin/supervisord';
const supervisorctl = process.env.SUPERVISORCTL_BIN ?? '/usr/bin/supervisorctl';
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;
const marker = `22${process.pid}`;

if (!Number.isInteger(n) || n < programs || n % programs !== 0 || tools.some(tool => tool !== 'tm' && tool !== 'supervisord')) {
	throw new Error(`usage: npx tsx bench/scale.ts [N, a multiple of PROGRAMS=${programs}] [tm,supervisord]`);
}

if (!process.env.TM_BIN && !existsSync(tmBin[1] ?? '')) {
	throw new Error('dist/bin/tm.js is missing: npm run build:tsc first (or set TM_BIN)');
}

const say = (line: string): void => {
	process.stderr.write(`scale: ${line}\n`);
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Every pid seen, killed by group at the end. */
const seen = new Set<number>();
const folders: string[] = [];

function killAll(): void {
	for (const pid of seen) {
		for (const target of [-pid, pid]) {
			try {
				process.kill(target, 'SIGKILL');
			} catch {
				// gone
			}
		}
	}

	for (const pid of pidsWithArg(marker)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// gone
		}
	}

	for (const folder of folders) {
		rmSync(folder, {recursive: true, force: true});
	}
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		killAll();
		process.exit(130);
	});
}

function pidsWithArg(arg: string): number[] {
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (/^\d+$/.test(entry)) {
			try {
				if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) {
					found.push(Number(entry));
				}
			} catch {
				// gone
			}
		}
	}

	return found;
}

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

function memory(pid: number): {rss: number; pss: number} {
	const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
	const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
	return {rss: kib('Rss'), pss: kib('Pss')};
}

function cpuTicks(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
	return Number(fields[11]) + Number(fields[12]);
}

/** Runs a command to its end; its time in ms and its exit code. */
function timed(command: string[], env: NodeJS.ProcessEnv = process.env): {ms: number; code: number | null; out: string} {
	const t0 = performance.now();
	const result = spawnSync(command[0] ?? '', command.slice(1), {env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
	return {ms: performance.now() - t0, code: result.status, out: `${result.stdout}${result.stderr}`};
}

type Row = {
	tool: string;
	start: string;
	allRunning: string;
	fdsEmpty: number;
	fdsIdle: number;
	rss: number;
	pss: number;
	rssEmpty: number;
	pssEmpty: number;
	cpu: number;
	statusAll: number;
	statusOne: number;
	rpcOne: number | null;
	stopAll: string;
};

/** What one tool needs: start an empty daemon or one with N, count running, status commands, stop all, shut down. */
type Tool = {
	name: string;
	/** Starts the daemon with `count` tasks; the start command's result and the daemon's pid. */
	up(dir: string, count: number): {ms: number; code: number | null; out: string; pid: number};
	running(dir: string): Promise<number>;
	statusAll(dir: string): string[];
	statusOne(dir: string): string[];
	stopAll(dir: string): string[];
	down(dir: string, pid: number): Promise<void>;
	rpcOne?(dir: string): Promise<number>;
};

const prlimit = ['prlimit', `--nofile=${limit}:${limit}`, '--'];

const tmTool: Tool = {
	name: 'tm',
	up(dir, count) {
		const config = path.join(dir, 'tm.yaml');
		const lines = ['taskmaster:', '  http: off', 'programs:'];
		for (let p = 0; p < (count === 0 ? 0 : programs); p++) {
			lines.push(`  p${p}:`, `    cmd: sleep ${marker}`, '    starttime: 0', `    numprocs: ${count / programs}`);
		}

		writeFileSync(config, count === 0 ? 'taskmaster:\n  http: off\nprograms: {}\n' : `${lines.join('\n')}\n`);
		const result = timed([...prlimit, ...tmBin, '--home', path.join(dir, 'home'), 'up', '-c', config, '--json']);
		let pid = 0;
		try {
			pid = (JSON.parse(result.out.slice(result.out.indexOf('{'))) as {pid: number}).pid;
		} catch {
			// reported below
		}

		seen.add(pid);
		return {...result, pid};
	},
	async running(dir) {
		const client = await RpcClient.connect(path.join(dir, 'home', 'tm.sock'), {client: 'bench-scale', timeoutMs: 60_000});
		try {
			const status = (await client.call('status', {}, {timeoutMs: 120_000})) as StatusDoc;
			return status.tasks.filter(task => task.state === 'running').length;
		} finally {
			await client.close();
		}
	},
	statusAll: dir => [...tmBin, '--home', path.join(dir, 'home'), 'status', '--json'],
	statusOne: dir => [...tmBin, '--home', path.join(dir, 'home'), 'status', 'p0:7', '--json'],
	stopAll: dir => [...tmBin, '--home', path.join(dir, 'home'), 'stop', 'all'],
	async down(dir, pid) {
		timed([...tmBin, '--home', path.join(dir, 'home'), 'down']);
		await gone(pid);
	},
	async rpcOne(dir) {
		const client = await RpcClient.connect(path.join(dir, 'home', 'tm.sock'), {client: 'bench-scale', timeoutMs: 60_000});
		try {
			const times: number[] = [];
			for (let i = 0; i < 25; i++) {
				const t0 = performance.now();
				await client.call('status', {names: ['p0:7']}, {timeoutMs: 60_000});
				times.push(performance.now() - t0);
			}

			return median(times.slice(5));
		} finally {
			await client.close();
		}
	},
};

const supervisorTool: Tool = {
	name: 'supervisord',
	up(dir, count) {
		const config = path.join(dir, 'supervisord.conf');
		mkdirSync(path.join(dir, 'childlogs'), {recursive: true});
		const sections = [
			`[unix_http_server]\nfile=${dir}/supervisor.sock\nchmod=0700\n`,
			`[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}/childlogs\nnodaemon=false\nminfds=${limit}\nminprocs=${n + 1000}\n`,
			'[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n',
			`[supervisorctl]\nserverurl=unix://${dir}/supervisor.sock\n`,
		];
		for (let p = 0; p < (count === 0 ? 0 : programs); p++) {
			// As the anchors' adapter: startsecs=0 (RUNNING = spawned, as tm's starttime: 0), logs as supervisord's defaults.
			sections.push(`[program:p${p}]\ncommand=sleep ${marker}\nprocess_name=%(program_name)s_%(process_num)d\nnumprocs=${count / programs}\nautostart=true\nautorestart=true\nstartsecs=0\n`);
		}

		writeFileSync(config, sections.join('\n'));
		const result = timed([...prlimit, supervisord, '-c', config]);
		let pid = 0;
		for (let i = 0; i < 200 && pid === 0; i++) {
			try {
				pid = Number(readFileSync(path.join(dir, 'supervisord.pid'), 'utf8').trim());
			} catch {
				execFileSync('sleep', ['0.05']);
			}
		}

		seen.add(pid);
		return {...result, pid};
	},
	async running(dir) {
		const result = spawnSync(supervisorctl, ['-c', path.join(dir, 'supervisord.conf'), 'status'], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
		return result.stdout.split('\n').filter(line => / RUNNING /.test(line)).length;
	},
	statusAll: dir => [supervisorctl, '-c', path.join(dir, 'supervisord.conf'), 'status'],
	statusOne: dir => [supervisorctl, '-c', path.join(dir, 'supervisord.conf'), 'status', 'p0:p0_7'],
	stopAll: dir => [supervisorctl, '-c', path.join(dir, 'supervisord.conf'), 'stop', 'all'],
	async down(dir, pid) {
		timed([supervisorctl, '-c', path.join(dir, 'supervisord.conf'), 'shutdown']);
		await gone(pid);
	},
};

async function gone(pid: number): Promise<void> {
	for (let i = 0; i < 600 && existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) {
		await sleep(100);
	}
}

async function measure(tool: Tool): Promise<Row> {
	const dir = mkdtempSync(path.join(tmpdir(), `tm-scale-${tool.name}-`));
	folders.push(dir);
	// The empty daemon: its own descriptors and memory.
	const empty = path.join(dir, 'empty');
	mkdirSync(empty, {mode: 0o700});
	const bare = tool.up(empty, 0);
	if (bare.code !== 0 || bare.pid === 0) {
		throw new Error(`${tool.name}: the empty daemon did not start: ${bare.out}`);
	}

	await sleep(settleSeconds * 1000);
	const fdsEmpty = fds(bare.pid);
	const memEmpty = memory(bare.pid);
	await tool.down(empty, bare.pid);

	const full = path.join(dir, 'full');
	mkdirSync(full, {mode: 0o700});
	say(`${tool.name}: starting ${n} tasks`);
	const t0 = performance.now();
	const started = tool.up(full, n);
	say(`${tool.name}: start command exit ${started.code} after ${(started.ms / 1000).toFixed(1)} s${started.code === 0 ? '' : `: ${started.out.trim().slice(-300)}`}`);
	let running = 0;
	let allAt: number | null = null;
	const deadline = t0 + deadlineSeconds * 1000;
	while (performance.now() < deadline) {
		running = await tool.running(full).catch(() => running);
		if (running === n) {
			allAt = performance.now() - t0;
			break;
		}

		await sleep(1000);
	}

	say(`${tool.name}: ${running} of ${n} running${allAt === null ? ` at the deadline (${deadlineSeconds} s)` : ` after ${(allAt / 1000).toFixed(1)} s`}`);
	await sleep(settleSeconds * 1000);
	const pid = started.pid;
	const fdsIdle = fds(pid);
	const ticks0 = cpuTicks(pid);
	const w0 = performance.now();
	await sleep(idleSeconds * 1000);
	const cpu = ((cpuTicks(pid) - ticks0) / clockTicks / ((performance.now() - w0) / 1000)) * 100;
	const mem = memory(pid);
	const statusAll = median(Array.from({length: 5}, () => timed(tool.statusAll(full)).ms));
	const statusOne = median(Array.from({length: 5}, () => timed(tool.statusOne(full)).ms));
	const rpcOne = tool.rpcOne ? await tool.rpcOne(full) : null;
	const stop = timed(tool.stopAll(full));
	const stillRunning = await tool.running(full).catch(() => -1);
	say(`${tool.name}: stop all exit ${stop.code} after ${(stop.ms / 1000).toFixed(1)} s, ${stillRunning} still running`);
	await tool.down(full, pid);
	return {
		tool: tool.name,
		start: `${(started.ms / 1000).toFixed(1)} s, exit ${started.code}`,
		allRunning: allAt === null ? `${running} of ${n} after ${deadlineSeconds} s` : `${(allAt / 1000).toFixed(1)} s`,
		fdsEmpty,
		fdsIdle,
		rss: mem.rss,
		pss: mem.pss,
		rssEmpty: memEmpty.rss,
		pssEmpty: memEmpty.pss,
		cpu,
		statusAll,
		statusOne,
		rpcOne,
		stopAll: `${(stop.ms / 1000).toFixed(1)} s${stop.code === 0 ? '' : ` (exit ${stop.code})`}`,
	};
}

const mib = (kib: number): string => (kib / 1024).toFixed(1);

try {
	const rows: Row[] = [];
	for (const name of tools) {
		rows.push(await measure(name === 'tm' ? tmTool : supervisorTool));
	}

	const running = (row: Row): number => Math.max(1, row.allRunning.includes(' of ') ? Number(row.allRunning.split(' ')[0]) : n);
	const table = [
		`| ${n.toLocaleString('en')} programs of \`sleep\` (${programs} × numprocs ${n / programs}), \`prlimit --nofile=${limit}\` | ${rows.map(row => row.tool).join(' | ')} |`,
		`|---|${rows.map(() => '---:').join('|')}|`,
		`| start command (\`tm up -c\` / \`supervisord -c\`) | ${rows.map(row => row.start).join(' | ')} |`,
		`| until all running | ${rows.map(row => row.allRunning).join(' | ')} |`,
		`| descriptors: empty daemon → all running, idle | ${rows.map(row => `${row.fdsEmpty} → ${row.fdsIdle}`).join(' | ')} |`,
		`| descriptors per idle task | ${rows.map(row => ((row.fdsIdle - row.fdsEmpty) / running(row)).toFixed(2)).join(' | ')} |`,
		`| daemon RSS / PSS, all idle (MiB) | ${rows.map(row => `${mib(row.rss)} / ${mib(row.pss)}`).join(' | ')} |`,
		`| RSS / PSS per task over the empty daemon's (${rows.map(row => `${mib(row.rssEmpty)} / ${mib(row.pssEmpty)}`).join(', ')} MiB), KiB | ${rows.map(row => `${((row.rss - row.rssEmpty) / running(row)).toFixed(1)} / ${((row.pss - row.pssEmpty) / running(row)).toFixed(1)}`).join(' | ')} |`,
		`| idle CPU over ${idleSeconds} s, % of one core | ${rows.map(row => row.cpu.toFixed(2)).join(' | ')} |`,
		`| status of all, CLI (\`tm status --json\` / \`supervisorctl status\`), median of 5 | ${rows.map(row => `${row.statusAll.toFixed(0)} ms`).join(' | ')} |`,
		`| status of one task, CLI, median of 5 | ${rows.map(row => `${row.statusOne.toFixed(0)} ms`).join(' | ')} |`,
		`| status of one task over the socket in process (RpcClient), median of 20 | ${rows.map(row => (row.rpcOne === null ? '–' : `${row.rpcOne.toFixed(2)} ms`)).join(' | ')} |`,
		`| stop all (\`tm stop all\` / \`supervisorctl stop all\`) | ${rows.map(row => row.stopAll).join(' | ')} |`,
	];
	process.stdout.write(`${table.join('\n')}\n`);
} finally {
	killAll();
}
