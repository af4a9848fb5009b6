/**
 * Control-protocol round trips against a real daemon over its Unix socket (JSON-RPC, one line
 * per message, through `RpcClient` as the CLI and the dashboard use it). For each size N
 * (10, 100, 1,000 programs of `sleep 100000`, `starttime: 0`, all running, by default) a fresh
 * daemon (`tm up --foreground`, temp home) answers, each for a fixed time after a warm-up:
 *  - `hello`: the cheapest method (answered by the server itself, no engine work): the floor;
 *  - `status` of one task (`names: ['p0']`);
 *  - `status` of every task (the `tm status --json` document; its size is printed);
 * each sequentially on one connection (the next call after the answer), then from C concurrent
 * clients (8 by default, one connection each, each sequential). Printed: calls, calls/s and the
 * p50/p95/p99 latency of a call as the client sees it. The clients run in this one node
 * process, on the same cores as the daemon and its tasks.
 *
 * `TM_BIN=/path/to/dist/tm` measures that executable instead of `node --import tsx bin/tm.ts`.
 * Every process it starts (the daemon's process group and each task's group) is killed and
 * every temp folder removed, on failure and on Ctrl-C too.
 *
 * Run with `npx tsx bench/protocol.ts [seconds-per-case] [sizes] [clients]`
 * (defaults 2, 10,100,1000, 8). About 1.5 min with the defaults.
 */
import {spawn} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';
import {protocolVersion} from '../src/core/ipc/protocol.js';

const seconds = Number(process.argv[2] ?? 2);
const sizes = (process.argv[3] ?? '10,100,1000').split(',').map(Number);
const clients = Number(process.argv[4] ?? 8);
const root = path.resolve(import.meta.dirname, '..');

if (!(seconds > 0) || sizes.some(n => !Number.isInteger(n) || n < 1) || !Number.isInteger(clients) || clients < 1) {
	throw new Error('usage: npx tsx bench/protocol.ts [seconds-per-case > 0] [sizes, e.g. 10,100,1000] [clients ≥ 1]');
}

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** A daemon this run started: its pid (leader of its own process group), temp folder and the task pids seen. */
type Daemon = {pid: number; dir: string; socket: string; out: string; taskPids: Set<number>; exited: Promise<void>; alive: () => boolean};

const daemons = new Set<Daemon>();

function startDaemon(programs: number): Daemon {
	const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-protocol-'));
	const yaml = Array.from({length: programs}, (_, i) => `  p${i}:\n    cmd: sleep 100000\n    starttime: 0\n`).join('');
	writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n${yaml}`);
	const out = path.join(dir, 'daemon.out');
	const fd = openSync(out, 'w');
	const bin = process.env.TM_BIN
		? [path.resolve(process.env.TM_BIN)]
		: [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts')];
	const child = spawn(bin[0] ?? '', [...bin.slice(1), 'up', '--foreground'], {
		cwd: dir,
		env: {...process.env, TM_HOME: path.join(dir, 'home')},
		stdio: ['ignore', fd, fd],
		detached: true,
	});
	closeSync(fd);
	let running = true;
	const exited = new Promise<void>(resolve =>
		child.on('exit', () => {
			running = false;
			resolve();
		}),
	);
	const daemon: Daemon = {pid: child.pid ?? 0, dir, socket: path.join(dir, 'home', 'tm.sock'), out, taskPids: new Set(), exited, alive: () => running};
	daemons.add(daemon);
	return daemon;
}

/** Pids whose parent is `pid` (the daemon's tasks, each the leader of its own group). */
function childrenOf(pid: number): number[] {
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
			if (Number(fields[1]) === pid) {
				found.push(Number(entry));
			}
		} catch {
			// gone while reading
		}
	}

	return found;
}

function killGroup(pid: number): void {
	for (const target of [-pid, pid]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			// already gone, or not a group leader
		}
	}
}

/** SIGKILL to the daemon's group and every task group seen; the temp folder goes. Synchronous, so a signal handler can use it. */
function destroy(daemon: Daemon): void {
	if (daemon.alive()) {
		for (const pid of childrenOf(daemon.pid)) {
			daemon.taskPids.add(pid);
		}
	}

	killGroup(daemon.pid);
	for (const pid of daemon.taskPids) {
		killGroup(pid);
	}

	rmSync(daemon.dir, {recursive: true, force: true});
	daemons.delete(daemon);
}

/** A graceful stop first (SIGTERM: the daemon stops its tasks), then {@link destroy} for whatever is left. */
async function stop(daemon: Daemon): Promise<void> {
	if (daemon.alive()) {
		for (const pid of childrenOf(daemon.pid)) {
			daemon.taskPids.add(pid);
		}

		try {
			process.kill(daemon.pid, 'SIGTERM');
		} catch {
			// already gone
		}

		let timer: NodeJS.Timeout | undefined;
		await Promise.race([daemon.exited, new Promise(resolve => (timer = setTimeout(resolve, 30_000)))]);
		clearTimeout(timer);
	}

	destroy(daemon);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		for (const daemon of [...daemons]) {
			destroy(daemon);
		}

		process.exitCode = 130;
		process.exit();
	});
}

async function connect(daemon: Daemon, deadline: number): Promise<RpcClient> {
	for (;;) {
		try {
			return await RpcClient.connect(daemon.socket, {client: 'bench-protocol', timeoutMs: 2000});
		} catch (error) {
			if (!daemon.alive() || performance.now() > deadline) {
				throw error;
			}

			await sleep(100);
		}
	}
}

/** Polls `status` until all N tasks run; remembers their pids for the clean-up. */
async function waitRunning(daemon: Daemon, client: RpcClient, n: number, t0: number, deadline: number): Promise<void> {
	for (;;) {
		const status = await client.call('status', {}, {timeoutMs: 30_000});
		let running = 0;
		for (const task of status.tasks) {
			if (task.pid !== null) {
				daemon.taskPids.add(task.pid);
			}

			running += task.state === 'running' ? 1 : 0;
		}

		if (running === n && status.tasks.length === n) {
			return;
		}

		if (performance.now() > deadline) {
			throw new Error(`only ${running} of ${n} tasks running after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
		}

		await sleep(250);
	}
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

type Case = {name: string; call: (client: RpcClient) => Promise<unknown>};

type Row = {n: number; name: string; clients: number; calls: number; perSecond: number; p50: number; p95: number; p99: number};

/** Each client calls in a loop (the next call once the answer is in) until the time is up. */
async function drive(connections: RpcClient[], call: Case['call'], ms: number): Promise<{latencies: number[]; wall: number}> {
	const latencies: number[] = [];
	const start = performance.now();
	const end = start + ms;
	await Promise.all(
		connections.map(async client => {
			while (performance.now() < end) {
				const t = performance.now();
				await call(client);
				latencies.push(performance.now() - t);
			}
		}),
	);
	return {latencies, wall: performance.now() - start};
}

async function measure(n: number): Promise<{rows: Row[]; statusBytes: number}> {
	const daemon = startDaemon(n);
	const connections: RpcClient[] = [];
	try {
		const t0 = performance.now();
		const deadline = t0 + 60_000 + n * 100;
		connections.push(await connect(daemon, deadline));
		await waitRunning(daemon, connections[0]!, n, t0, deadline);
		while (connections.length < clients) {
			connections.push(await connect(daemon, performance.now() + 10_000));
		}

		// Start-up has settled once the sampler has been round a few times.
		await sleep(3000);
		const statusBytes = Buffer.byteLength(JSON.stringify(await connections[0]!.call('status', {})));
		const cases: Case[] = [
			{name: 'hello', call: client => client.call('hello', {protocol: protocolVersion, client: 'bench-protocol'})},
			{name: 'status p0', call: client => client.call('status', {names: ['p0']})},
			{name: `status all (${n})`, call: client => client.call('status', {})},
		];
		const rows: Row[] = [];
		for (const c of cases) {
			for (const group of clients > 1 ? [connections.slice(0, 1), connections] : [connections]) {
				await drive(group, c.call, Math.min(500, seconds * 250));
				const {latencies, wall} = await drive(group, c.call, seconds * 1000);
				const sorted = latencies.sort((a, b) => a - b);
				rows.push({
					n,
					name: c.name,
					clients: group.length,
					calls: sorted.length,
					perSecond: (sorted.length / wall) * 1000,
					p50: quantile(sorted, 0.5),
					p95: quantile(sorted, 0.95),
					p99: quantile(sorted, 0.99),
				});
			}
		}

		return {rows, statusBytes};
	} catch (error) {
		let tail = '';
		try {
			tail = readFileSync(daemon.out, 'utf8').split('\n').slice(-15).join('\n');
		} catch {
			// no output file
		}

		say(`N=${n} failed; the daemon's last output lines:\n${tail}`);
		throw error;
	} finally {
		await Promise.all(connections.map(c => c.close()));
		await stop(daemon);
	}
}

say(
	`protocol round trips: ${process.env.TM_BIN ? `TM_BIN=${process.env.TM_BIN}` : 'node --import tsx bin/tm.ts'}, ${seconds} s per case, ` +
		`1 and ${clients} clients, node ${process.version}`,
);
say('');
say('tasks  method              clients      calls     calls/s   p50 ms   p95 ms   p99 ms');
try {
	for (const n of sizes) {
		const {rows, statusBytes} = await measure(n);
		for (const row of rows) {
			say(
				[
					String(row.n).padStart(5),
					row.name.padEnd(19),
					String(row.clients).padStart(7),
					String(row.calls).padStart(10),
					Math.round(row.perSecond).toLocaleString('en-US').padStart(11),
					row.p50.toFixed(2).padStart(8),
					row.p95.toFixed(2).padStart(8),
					row.p99.toFixed(2).padStart(8),
				].join(' '),
			);
		}

		say(`      (status of all ${n} tasks: ${(statusBytes / 1024).toFixed(1)} KiB of JSON)`);
	}
} finally {
	for (const daemon of [...daemons]) {
		destroy(daemon);
	}
}
