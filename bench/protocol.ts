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
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import type {RpcClient} from '../src/core/ipc/client.js';
import {connect, destroyAll, sleep, startDaemon, stop, waitRunning} from './daemons.js';
import {protocolVersion} from '../src/core/ipc/protocol.js';

const seconds = Number(process.argv[2] ?? 2);
const sizes = (process.argv[3] ?? '10,100,1000').split(',').map(Number);
const clients = Number(process.argv[4] ?? 8);

if (!(seconds > 0) || sizes.some(n => !Number.isInteger(n) || n < 1) || !Number.isInteger(clients) || clients < 1) {
	throw new Error('usage: npx tsx bench/protocol.ts [seconds-per-case > 0] [sizes, e.g. 10,100,1000] [clients ≥ 1]');
}

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

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
	const daemon = startDaemon('protocol', n);
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
	destroyAll();
}
