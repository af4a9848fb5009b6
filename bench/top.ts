/**
 * `tm top` under load, measured from the outside: a real daemon with 1,000 tasks, one of them
 * printing 5,000 lines/s, and `tm top` (the built JS) in an isolated tmux server at 80x24 and
 * 200x60, with the spewing task selected so its log streams into the pane.
 *
 * For each size it reports:
 * - steady CPU of the `tm top` process (utime+stime from /proc over the window, % of one core);
 * - bytes per second written to the terminal (tmux pipe-pane) and full-screen clears (ESC[2J);
 * - key-to-screen latency: `j`/`k` sent through a tmux control client, the screen captured
 *   through the same client until the selection has moved (p50/p95/max);
 * - Ink's frame build time from the dashboard's own telemetry (TM_TOP_PROFILE);
 * - `tm top`'s RSS (VmRSS sampled through the window and the keys: max; VmHWM at the end).
 * Full-screen clears are ESC[2J, ESC[3J, ESC c and ESC[H followed by ESC[J / ESC[0J.
 * With `--tasks` over `--running` (1,000), the rest are programs with `autostart: false` (stopped
 * rows): 10,000 tasks without 10,000 processes. `TOP_PROF_DIR=/tmp/p`: `tm top` runs with
 * --cpu-prof, written there when it quits; `TOP_NODE_ARGS`: more node options for it.
 *
 * The first size is measured once more with `--low-bandwidth` (unless `--no-low-bandwidth`).
 *
 * Run: `npm run bench:top` (builds first), or `npx tsx bench/top.ts [--seconds 10] [--keys 40]
 * [--tasks 1000] [--running 1000] [--rate 5000] [--sizes 80x24,200x60] [--no-low-bandwidth]` after
 * `npm run build:tsc`.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {RpcClient} from '../src/core/ipc/client.js';

const root = path.resolve(import.meta.dirname, '..');
const tmJs = path.join(root, 'dist/bin/tm.js');
/** `TM_BIN=dist/tm`: the executable users run (its own Node, `--max-semi-space-size=1`) for the daemon and `tm top`. */
const tmBin = process.env['TM_BIN'] ? path.resolve(process.env['TM_BIN']) : null;
const tmCommand = tmBin === null ? [process.execPath, tmJs] : [tmBin];

function option(name: string, fallback: string): string {
	const at = process.argv.indexOf(`--${name}`);
	return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

const seconds = Number(option('seconds', '10'));
const keyCount = Number(option('keys', '40'));
const taskCount = Number(option('tasks', '1000'));
const runningCount = Math.min(taskCount, Number(option('running', '1000')));
const profDir = process.env['TOP_PROF_DIR'];
const rate = Number(option('rate', '5000'));
const sizes = option('sizes', '80x24,200x60')
	.split(',')
	.map(size => size.split('x').map(Number) as [number, number]);

const out = (text: string): void => {
	process.stdout.write(`${text}\n`);
};

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// After the command: state is field 3, utime 14 and stime 15 (1-based) → 11 and 12 here.
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS (or another field) of a process, in MiB. */
function memoryMiB(pid: number, field = 'VmRSS'): number {
	return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;
}

/** Sequences that clear the whole screen (Ink's own frames erase only the lines they wrote). */
const fullClears = new RegExp(String.raw`\x1b\[[23]J|\x1bc|\x1b\[H\x1b\[0?J`, 'g');

function percentile(values: number[], q: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** A tmux control-mode client: commands in, their output blocks back, in order. */
class TmuxControl {
	readonly #child: ChildProcess;
	readonly #waiting: Array<(lines: string[]) => void> = [];
	#block: string[] | null = null;
	#buffer = '';
	#ready: Promise<void>;

	constructor(server: string, session: string) {
		this.#child = spawn('tmux', ['-L', server, '-C', 'attach-session', '-t', session], {stdio: ['pipe', 'pipe', 'inherit']});
		let markReady: () => void = () => {};
		this.#ready = new Promise(resolve => {
			markReady = resolve;
		});
		// The attach itself answers with one block first.
		this.#waiting.push(() => markReady());
		this.#child.stdout!.on('data', (chunk: Buffer) => {
			this.#buffer += chunk.toString('utf8');
			let newline: number;
			while ((newline = this.#buffer.indexOf('\n')) >= 0) {
				this.#line(this.#buffer.slice(0, newline));
				this.#buffer = this.#buffer.slice(newline + 1);
			}
		});
	}

	#line(line: string): void {
		if (this.#block === null) {
			if (line.startsWith('%begin ')) {
				this.#block = [];
			}

			return; // %output and other notifications
		}

		if (line.startsWith('%end ') || line.startsWith('%error ')) {
			const lines = this.#block;
			this.#block = null;
			this.#waiting.shift()?.(lines);
			return;
		}

		this.#block.push(line);
	}

	async command(text: string): Promise<string[]> {
		await this.#ready;
		return new Promise(resolve => {
			this.#waiting.push(resolve);
			this.#child.stdin!.write(`${text}\n`);
		});
	}

	close(): void {
		this.#child.stdin!.end();
		this.#child.kill();
	}
}

function tmux(server: string, ...args: string[]): string {
	const result = spawnSync('tmux', ['-L', server, ...args], {encoding: 'utf8'});
	if (result.status !== 0) {
		throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
	}

	return result.stdout;
}

async function until<T>(what: string, probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (accept(value)) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 2000)}`);
		}

		await sleep(100);
	}
}

const selectedName = (screen: string[]): string | undefined => screen.find(line => line.startsWith('>'))?.slice(3).split(' ')[0];

type Result = {
	size: string;
	cpu: number;
	daemonCpu: number;
	bytesPerSecond: number;
	clears: number;
	keys: number[];
	renderP50: number;
	renderP95: number;
	framesPerSecond: number;
	rssMax: number;
	hwm: number;
};

async function measure(dir: string, home: string, daemonPid: number, cols: number, rows: number, lowBandwidth: boolean): Promise<Result> {
	const label = `${cols}x${rows}${lowBandwidth ? '-low' : ''}`;
	const server = `tm-bench-top-${process.pid}-${label}`;
	const capture = path.join(dir, `screen-${label}.bin`);
	const profile = path.join(dir, `profile-${label}.json`);
	const launcher = path.join(dir, `top-${label}.sh`);
	writeFileSync(
		launcher,
		`#!/bin/sh\nunset CI CONTINUOUS_INTEGRATION\nexport LANG=C.UTF-8 TERM=xterm-256color NODE_ENV=production TM_TOP_PROFILE="${profile}"\nexec ${
			tmBin === null
				? `"${process.execPath}"${process.env['TOP_NODE_ARGS'] ? ` ${process.env['TOP_NODE_ARGS']}` : ''}${profDir ? ` --cpu-prof --cpu-prof-dir="${path.resolve(profDir)}"` : ''} "${tmJs}"`
				: `"${tmBin}"`
		} top --home "${home}"${lowBandwidth ? ' --low-bandwidth' : ''}\n`,
		{mode: 0o755},
	);
	tmux(server, '-f', '/dev/null', 'new-session', '-d', '-x', String(cols), '-y', String(rows), '-s', 'top', launcher);
	const socket = tmux(server, 'display-message', '-p', '#{socket_path}').trim();
	const control = new TmuxControl(server, 'top');
	try {
		tmux(server, 'pipe-pane', '-t', 'top', '-o', `cat >> '${capture}'`);
		const pid = Number(tmux(server, 'display-message', '-p', '-t', 'top', '#{pane_pid}').trim());
		const screen = async (): Promise<string[]> => control.command('capture-pane -p -t top');
		await until('tm top following the spewing task', screen, s => selectedName(s) === 'spew' && s.some(line => /logs spew · following · \d/.test(line)));
		const size = (await control.command('display-message -p "#{window_width}x#{window_height}"'))[0];
		if (size !== `${cols}x${rows}`) {
			throw new Error(`the window is ${size}, not ${cols}x${rows}`);
		}

		await sleep(3000); // warm-up
		const cpu0 = cpuSeconds(pid);
		const daemon0 = cpuSeconds(daemonPid);
		const bytes0 = statSync(capture).size;
		const t0 = performance.now();
		let rssMax = memoryMiB(pid);
		const rssTimer = setInterval(() => {
			rssMax = Math.max(rssMax, memoryMiB(pid));
		}, 500);
		await sleep(seconds * 1000);
		const elapsed = (performance.now() - t0) / 1000;
		const cpu = ((cpuSeconds(pid) - cpu0) / elapsed) * 100;
		const daemonCpu = ((cpuSeconds(daemonPid) - daemon0) / elapsed) * 100;
		const bytes1 = statSync(capture).size;

		// Key to screen: j and k move the selection between the first two rows.
		const keys: number[] = [];
		for (let i = 0; i < keyCount; i++) {
			const before = selectedName(await screen());
			const start = performance.now();
			void control.command(`send-keys -t top ${i % 2 === 0 ? 'j' : 'k'}`);
			// Each capture is one round trip through the control client (no process spawned).
			while (selectedName(await screen()) === before) {
				if (performance.now() - start > 5000) {
					throw new Error(`the selection did not move after key ${i}`);
				}

				await sleep(1);
			}

			keys.push(performance.now() - start);
			await sleep(150 + Math.random() * 150);
		}

		clearInterval(rssTimer);
		const hwm = memoryMiB(pid, 'VmHWM');
		rssMax = Math.max(rssMax, memoryMiB(pid));
		await control.command('send-keys -t top q');
		await until('tm top to exit', () => existsSync(profile), done => done, 10_000);
		const all = readFileSync(capture);
		const window = all.subarray(bytes0, bytes1).toString('latin1');
		const report = JSON.parse(readFileSync(profile, 'utf8')) as {renderMs: {p50: number; p95: number; count: number}; seconds: number; clears: number; memoryMiB: Record<string, number>};
		out(`${label}: tm top's memory at the end (MiB): ${JSON.stringify(report.memoryMiB)}`);
		const clearsInWindow = window.match(fullClears)?.length ?? 0;
		const clearsInAll = all.toString('latin1').match(fullClears)?.length ?? 0;
		return {
			size: lowBandwidth ? `${cols}x${rows} --low-bandwidth` : `${cols}x${rows}`,
			cpu,
			daemonCpu,
			bytesPerSecond: (bytes1 - bytes0) / elapsed,
			clears: Math.max(clearsInWindow, clearsInAll, report.clears),
			keys,
			renderP50: report.renderMs.p50,
			renderP95: report.renderMs.p95,
			framesPerSecond: report.renderMs.count / report.seconds,
			rssMax,
			hwm,
		};
	} finally {
		control.close();
		spawnSync('tmux', ['-L', server, 'kill-server']);
		rmSync(socket, {force: true});
	}
}

/** `count` stopped tasks as programs of at most 1,000 instances (numprocs' limit). */
function idlePrograms(count: number, marker: string): string {
	return Array.from({length: Math.ceil(count / 1000)}, (_, i) => {
		const instances = Math.min(1000, count - i * 1000);
		return `  stopped${i}:\n    cmd: sleep ${marker}\n    numprocs: ${instances}\n    autostart: false\n`;
	}).join('');
}

function spewScript(file: string): void {
	writeFileSync(
		file,
		`const rate = Number(process.argv[2]);
const start = Date.now();
let written = 0;
setInterval(() => {
	const due = Math.floor(((Date.now() - start) / 1000) * rate);
	let chunk = '';
	while (written < due) {
		written++;
		chunk += 'spew line ' + written + ' lorem ipsum dolor sit amet, consectetur adipiscing elit\\n';
	}
	if (chunk) process.stdout.write(chunk);
}, 10);
`,
	);
}

async function main(): Promise<void> {
	if (!existsSync(tmCommand.at(-1)!)) {
		throw new Error(`${tmJs} is missing: run \`npm run build\` first (npm run bench:top does)`);
	}

	if (spawnSync('tmux', ['-V']).error) {
		throw new Error('tmux is needed to measure tm top in a real terminal');
	}

	const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-top-'));
	const home = path.join(dir, 'home');
	const marker = String(86_000 + (process.pid % 1000));
	spewScript(path.join(dir, 'spew.mjs'));
	writeFileSync(
		path.join(dir, 'tm.yaml'),
		`programs:
  spew:
    cmd: "${process.execPath} ${path.join(dir, 'spew.mjs')} ${rate}"
    starttime: 0
  worker:
    cmd: sleep ${marker}
    numprocs: ${runningCount - 1}
    starttime: 0
    stoptime: 2
${idlePrograms(taskCount - runningCount, marker)}`,
	);
	const daemon = spawn(tmCommand[0]!, [...tmCommand.slice(1), 'up', '--foreground', '--home', home], {cwd: dir, stdio: 'ignore', detached: true});
	const socketPath = path.join(home, 'tm.sock');
	try {
		const running = await until(
			`${runningCount} tasks running`,
			async () => {
				try {
					const client = await RpcClient.connect(socketPath, {client: 'bench', timeoutMs: 2000});
					const doc = await client.call('status', {});
					await client.close();
					return doc.tasks.filter(t => t.state === 'running').length;
				} catch {
					return 0;
				}
			},
			count => count === runningCount,
			120_000 + taskCount * 10,
		);
		out(`tm top benchmark: ${taskCount} tasks (${running} running), one printing ${rate} lines/s; ${seconds} s steady window, ${keyCount} keys per size`);
		out(`${tmBin ?? `node ${process.version} ${tmJs}`}, ${spawnSync('tmux', ['-V'], {encoding: 'utf8'}).stdout.trim()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
		const results: Result[] = [];
		for (const [cols, rows] of sizes) {
			results.push(await measure(dir, home, daemon.pid!, cols, rows, false));
		}

		if (!process.argv.includes('--no-low-bandwidth')) {
			const [cols, rows] = sizes[0]!;
			results.push(await measure(dir, home, daemon.pid!, cols, rows, true));
		}

		out('');
		out('| size | tm top CPU (% of 1 core) | daemon CPU | bytes/s to the terminal | full clears | key→screen p50 / p95 / max (ms) | frames/s | frame build p50 / p95 (ms) | tm top RSS max / VmHWM (MiB) |');
		out('|---|---|---|---|---|---|---|---|---|');
		for (const r of results) {
			const key = [0.5, 0.95, 1].map(q => percentile(r.keys, q).toFixed(0)).join(' / ');
			out(
				`| ${r.size} | ${r.cpu.toFixed(1)} | ${r.daemonCpu.toFixed(1)} | ${(r.bytesPerSecond / 1024).toFixed(1)} KB/s | ${r.clears} | ${key} | ${r.framesPerSecond.toFixed(1)} | ${r.renderP50} / ${r.renderP95} | ${r.rssMax.toFixed(0)} / ${r.hwm.toFixed(0)} |`,
			);
		}

		out('');
		const small = results.find(r => r.size === '80x24');
		if (small) {
			const p95 = percentile(small.keys, 0.95);
			const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
			out(`targets at 80x24 (issue 22): CPU ≤ 10%: ${verdict(small.cpu <= 10)}; key p95 ≤ 50 ms: ${verdict(p95 <= 50)}; zero clears: ${verdict(small.clears === 0)}; RSS ≤ 120 MiB: ${verdict(small.rssMax <= 120)}`);
		}
	} finally {
		try {
			const client = await RpcClient.connect(socketPath, {client: 'bench', timeoutMs: 2000});
			await client.call('shutdown', {}).catch(() => {});
			await client.close();
		} catch {
			// already gone
		}

		await until('the daemon to stop', () => daemon.exitCode !== null || daemon.signalCode !== null, done => done, 30_000).catch(() => {
			process.kill(-daemon.pid!, 'SIGKILL');
		});
		rmSync(dir, {recursive: true, force: true});
	}
}

await main();
