/**
 * The control socket of a real daemon (`tm up --foreground` in a temp home) under abuse: 10,000
 * random and malformed frames over many connections, 100 clients at once, clients that vanish
 * mid-stream. Afterwards the daemon must answer `status` correctly, its memory must be flat, its
 * file descriptors back where they were, and no task may have changed (same pids, same states).
 *
 * Every frame is one line whose answer is known in advance (a result, or an error with its
 * JSON-RPC code), so each of the 10,000 answers is checked, not just the daemon's survival.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {RpcClient} from '../../src/core/ipc/client.js';
import type {StatusDoc, TaskStatus} from '../../src/core/ipc/methods.js';
import {tempDir} from '../helpers/harness.js';
import {RawClient} from '../helpers/raw-client.js';
import {killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';

const parseError = -32_700;
const invalidRequest = -32_600;
const methodNotFound = -32_601;
const invalidParams = -32_602;
const internalError = -32_603;
const usage = -32_000; // E_USAGE
const unknownTask = -32_005; // E_UNKNOWN_TASK
const protocolRefused = -32_008; // E_PROTOCOL

/** A seeded PRNG (mulberry32), so a failing run can be replayed with the same frames. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d_2b_79_f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** What one frame must be answered with: a result, or an error with this code (id as sent, or null). */
type Expect = {id: unknown; code: number | 'ok'};
/** One frame (one line, without its '\n') and what it must get back: a response, an array of them (a batch), or nothing. */
type Frame = {line: string | Buffer; expect: Expect | Expect[] | null; fuzz?: boolean};

const key = (e: Expect): string => JSON.stringify([e.id, e.code]);
const batchKey = (items: Expect[]): string => `batch:${items.map(e => key(e)).sort().join('|')}`;

/** The key of one response (or batch) as received, for comparing multisets. */
function receivedKey(message: unknown): string {
	const one = (m: unknown): Expect => {
		const r = m as {id?: unknown; error?: {code: number}};
		return {id: r.id, code: r.error ? r.error.code : 'ok'};
	};

	return Array.isArray(message) ? batchKey(message.map(m => one(m))) : key(one(message));
}

const isResponse = (m: unknown): boolean => Array.isArray(m) || (typeof m === 'object' && m !== null && !('method' in m));

/**
 * The frame generator. Names of tasks never appear in a mutating call with a valid shape, so
 * nothing the frames do can start, stop or signal a task; `shutdown` is never sent.
 */
function frameMaker(seed: number, connection: number) {
	const next = random(seed);
	const int = (n: number): number => Math.floor(next() * n);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
	let counter = 0;
	const newId = (): string => `c${connection}-${counter++}`;
	const req = (id: unknown, method: unknown, params?: unknown): string =>
		JSON.stringify(params === undefined ? {jsonrpc: '2.0', id, method} : {jsonrpc: '2.0', id, method, params});
	/** A random string that never names a task, glob or `all`. */
	const junkText = (): string => `zz${Array.from({length: int(12)}, () => String.fromCharCode(32 + int(95))).join('')}`;
	const junkValue = (depth = 0): unknown => {
		switch (int(depth > 2 ? 5 : 8)) {
			case 0: return null;
			case 1: return next() < 0.5;
			case 2: return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 42]);
			case 3:
			case 4: return junkText();
			case 5: return Array.from({length: int(4)}, () => junkValue(depth + 1));
			default: return Object.fromEntries(Array.from({length: int(4)}, () => [pick(['names', 'name', 'signal', 'lines', 'follow', 'stream', 'wait', 'protocol', 'client', junkText()]), junkValue(depth + 1)]));
		}
	};

	/** Params each method refuses, with the code it refuses them with. */
	const invalid: Array<() => [string, unknown, number]> = [
		() => ['hello', pick([[], [1], {}, {client: 'x'}, {protocol: '1'}, {protocol: 1.5}, {protocol: 1, client: 7}]), invalidParams],
		() => ['hello', {protocol: pick([0, 2, 99, -1]), client: 'abuse'}, protocolRefused],
		() => [pick(['start', 'stop', 'restart']), pick([{}, [], ['web:0'], {names: 'web:0'}, {names: 5}, {names: null}, {names: [1]}, {names: ['web:0', null]}, {names: {}}]), invalidParams],
		() => [pick(['start', 'stop', 'restart']), {names: []}, usage],
		() => [pick(['start', 'stop', 'restart']), {names: [junkText()], wait: pick([true, false])}, unknownTask],
		() => ['signal', pick([{signal: 'TERM'}, {signal: 'TERM', names: 'web:0'}, {signal: 'HUP', names: [3]}]), invalidParams],
		() => ['signal', {signal: pick(['NOPE', '', 'SIGFOO', 9999, 1.5, null, [], {}]), names: ['web:0']}, usage],
		() => ['signal', {signal: 'TERM', names: [junkText()]}, unknownTask],
		() => ['logs', pick([{}, [], {name: 5}, {name: null}, {name: ['talker']}]), invalidParams],
		() => ['logs', {name: junkText(), follow: true}, unknownTask],
		() => ['status', pick([{names: [1]}, {names: [null, 'web']}, {names: [{}]}]), invalidParams],
		() => ['status', {names: [junkText()]}, unknownTask],
	];

	/** Requests that must succeed and change nothing. */
	const harmless: Array<() => [string, unknown]> = [
		() => ['status', pick([undefined, {}, {names: []}, {names: ['web']}, {names: ['web:*', 'talker']}, {names: ['all']}, {other: junkValue()}])],
		() => ['hello', {protocol: 1, client: pick(['abuse', 'x'.repeat(5000), '\u0000\u202e', ''])}],
		() => ['logs', {name: pick(['talker', 'web:0', 'idle']), lines: int(50)}],
		() => ['logs', {name: 'talker', lines: 1, follow: true}],
		() => ['subscribe', pick([undefined, {}])],
	];

	const unknownMethods = ['nope', 'STATUS', 'status ', ' status', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'rpc.discover', 'status\u0000', 'x'.repeat(10_000), '\u202e\u0000\uffff'];
	const truncatable = (): string => req(newId(), 'status', {names: ['web']});

	const makers: Array<[number, () => Frame]> = [
		// Not JSON: a request cut short, garbage bytes, raw NUL bytes, an unclosed nest.
		[6, () => {
			for (;;) {
				const whole = truncatable();
				const line = whole.slice(0, 1 + int(whole.length - 2));
				try {
					JSON.parse(line);
				} catch {
					return {line, expect: {id: null, code: parseError}};
				}
			}
		}],
		[6, () => {
			const bytes = Buffer.from(Array.from({length: 1 + int(300)}, () => int(256)).map(b => (b === 0x0a ? 0x00 : b)));
			return {line: Buffer.concat([Buffer.from([0xff]), bytes]), expect: {id: null, code: parseError}};
		}],
		[3, () => ({line: Buffer.from(`{"jsonrpc":"2.0","id":"${newId()}","method":"sta\u0000tus"}`), expect: {id: null, code: parseError}})],
		[2, () => ({line: Buffer.concat([Buffer.from([0, 0, 0]), Buffer.from(req(newId(), 'status'))]), expect: {id: null, code: parseError}})],
		[2, () => ({line: '['.repeat(1 + int(20_000)), expect: {id: null, code: parseError}})],
		[1, () => ({line: '{"jsonrpc":"2.0","id":1,"method":"status"}}', expect: {id: null, code: parseError}})],
		// Valid JSON, not a JSON-RPC request.
		[4, () => ({line: pick(['null', '0', '-1e999', '"status"', 'true', '{}', '{"jsonrpc":"2.0"}', '{"method":"status"}']), expect: {id: null, code: invalidRequest}})],
		[2, () => ({line: '[]', expect: {id: null, code: invalidRequest}})],
		[4, () => {
			const id = newId();
			const [line, code]: [string, Expect] = pick([
				[req(id, 'status').replace('"2.0"', '"1.0"'), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: 2, id, method: 'status'}), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: '2.0', id}), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: '2.0', id, method: ''}), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: '2.0', id, method: pick([7, null, [], {}, true])}), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: '2.0', id, method: 'status', params: pick(['names', 5, true, null])}), {id, code: invalidRequest}],
				[JSON.stringify({jsonrpc: '2.0', id: pick([null, {}, [], true, false]), method: 'status'}), {id: null, code: invalidRequest}],
			] as const);
			return {line, expect: code};
		}],
		// Huge and odd ids: echoed as JSON read them; an id JSON reads as Infinity is refused.
		[4, () => {
			const raw = pick(['1e308', '-1e308', '123456789012345678901234567890', '9007199254740993', '-0', '0.000001', '1e-400', `"${'i'.repeat(100_000)}"`, '""', '"\\u0000"', '"\\ud800"']);
			return {line: `{"jsonrpc":"2.0","id":${raw},"method":"status"}`, expect: {id: JSON.parse(raw) as unknown, code: 'ok'}};
		}],
		[2, () => ({line: `{"jsonrpc":"2.0","id":${pick(['1e999', '-1e999', '1' + '0'.repeat(400)])},"method":"status"}`, expect: {id: null, code: invalidRequest}})],
		// Unknown methods.
		[6, () => {
			const id = newId();
			return {line: req(id, pick(unknownMethods), pick([undefined, {}, [1, 2]])), expect: {id, code: methodNotFound}};
		}],
		// Invalid params for each method.
		[14, () => {
			const id = newId();
			const [method, params, code] = pick(invalid)();
			return {line: req(id, method, params), expect: {id, code}};
		}],
		// Harmless valid requests, some with odd but allowed extras (CR before the newline, huge padding).
		[10, () => {
			const id = newId();
			const [method, params] = pick(harmless)();
			return {line: req(id, method, params) + (next() < 0.1 ? '\r' : ''), expect: {id, code: 'ok'}};
		}],
		[1, () => {
			const id = newId();
			return {line: req(id, 'status', {pad: 'p'.repeat(int(900_000))}), expect: {id, code: 'ok'}};
		}],
		[1, () => {
			const id = newId();
			const depth = 1 + int(3000);
			return {line: `{"jsonrpc":"2.0","id":"${id}","method":"status","params":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`, expect: {id, code: 'ok'}};
		}],
		// Notifications (no id): run or refused, never answered. Mutating methods only with invalid params.
		[4, () => ({line: JSON.stringify(pick([
			{jsonrpc: '2.0', method: 'status'},
			{jsonrpc: '2.0', method: 'hello', params: {protocol: 1, client: 'n'}},
			{jsonrpc: '2.0', method: pick(unknownMethods)},
			{jsonrpc: '2.0', method: 'start', params: {names: 5}},
			{jsonrpc: '2.0', method: 'stop', params: {names: [junkText()]}},
			{jsonrpc: '2.0', method: 'logs', params: {}},
		])), expect: null})],
		// Blank lines are skipped.
		[1, () => ({line: pick(['', ' ', '\t', '\r', ' \r\t ']), expect: null})],
		// Batches: answered with one array (notifications left out), or refused when empty or over 100.
		[5, () => {
			const items: unknown[] = [];
			const expects: Expect[] = [];
			for (let k = 1 + int(12); k > 0; k--) {
				const id = newId();
				switch (int(5)) {
					case 0: {
						items.push({jsonrpc: '2.0', id, method: 'status'});
						expects.push({id, code: 'ok'});
						break;
					}

					case 1: {
						items.push({jsonrpc: '2.0', id, method: pick(unknownMethods)});
						expects.push({id, code: methodNotFound});
						break;
					}

					case 2: {
						const [method, params, code] = pick(invalid)();
						items.push({jsonrpc: '2.0', id, method, params});
						expects.push({id, code});
						break;
					}

					case 3: {
						items.push(pick([1, 'junk', null, [], {jsonrpc: '1.0', method: 'status'}]));
						expects.push({id: null, code: invalidRequest});
						break;
					}

					default: {
						items.push({jsonrpc: '2.0', method: 'status'});
					}
				}
			}

			return {line: JSON.stringify(items), expect: expects.length === 0 ? null : expects};
		}],
		[1, () => ({line: JSON.stringify(Array.from({length: 101 + int(50)}, () => ({jsonrpc: '2.0', id: newId(), method: 'status'}))), expect: {id: null, code: invalidRequest}})],
		[1, () => {
			const depth = 2 + int(5000);
			return {line: '['.repeat(depth) + ']'.repeat(depth), expect: [{id: null, code: invalidRequest}]};
		}],
		// Fuzz: a real method with random params. Any answer but an internal error.
		[8, () => {
			const id = `f${connection}-${counter++}`;
			const method = pick(['status', 'hello', 'logs', 'subscribe', 'start', 'stop', 'restart', 'signal', 'nope']);
			return {line: req(id, method, pick([junkValue(), {}, undefined])), expect: {id, code: 'ok'}, fuzz: true};
		}],
	];

	const total = makers.reduce((sum, [weight]) => sum + weight, 0);
	return (): Frame => {
		let roll = int(total);
		for (const [weight, make] of makers) {
			roll -= weight;
			if (roll < 0) {
				return make();
			}
		}

		throw new Error('unreachable');
	};
}

/** The daemon's resident memory in bytes, from /proc. */
function rss(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return Number(match?.[1] ?? Number.NaN) * 1024;
}

/** The daemon's open sockets (its listener and one per client connection), from /proc. */
function openSockets(pid: number): number {
	let count = 0;
	for (const fd of readdirSync(`/proc/${pid}/fd`)) {
		try {
			if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) {
				count++;
			}
		} catch {
			// closed while reading
		}
	}

	return count;
}
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Writes `data` in random pieces (so lines are split across reads), waiting for drain. */
async function sendInPieces(raw: RawClient, data: Buffer, next: () => number): Promise<void> {
	let offset = 0;
	while (offset < data.length) {
		const size = 1 + Math.floor(next() * 64 * 1024);
		const piece = data.subarray(offset, offset + size);
		offset += piece.length;
		if (!raw.socket.write(piece)) {
			await new Promise<void>(resolve => {
				const done = (): void => {
					raw.socket.off('drain', done);
					raw.socket.off('close', done);
					resolve();
				};

				raw.socket.on('drain', done);
				raw.socket.on('close', done);
			});
		}
	}
}

type Fleet = {frames: number; responses: number; ms: number};

/**
 * Sends `perConnection` frames on each of `connections` connections at once and checks every
 * answer; plus the frames that need a connection of their own (a partial line then gone, a
 * line over 1 MiB, a request then gone). Returns how many frames went out.
 */
async function abuse(socket: string, seed: number, connections: number, perConnection: number, specials: number): Promise<Fleet> {
	const started = performance.now();
	let responses = 0;
	await Promise.all([
		...Array.from({length: connections}, async (_, c) => {
			const make = frameMaker(seed * 1000 + c, c);
			const frames = Array.from({length: perConnection}, make);
			const expected: string[] = [];
			const fuzzIds = new Set<string>();
			for (const frame of frames) {
				if (frame.fuzz) {
					fuzzIds.add((frame.expect as Expect).id as string);
				} else if (Array.isArray(frame.expect)) {
					expected.push(batchKey(frame.expect));
				} else if (frame.expect !== null) {
					expected.push(key(frame.expect));
				}
			}

			const raw = await RawClient.open(socket);
			const data = Buffer.concat(frames.flatMap(f => [typeof f.line === 'string' ? Buffer.from(f.line) : f.line, Buffer.from('\n')]));
			await sendInPieces(raw, data, random(seed + c));
			const wanted = expected.length + fuzzIds.size;
			const answers = await waitFor(
				() => raw.messages.filter(m => isResponse(m)),
				found => found.length >= wanted || raw.closed,
				{what: `${wanted} answers on connection ${c}`, timeout: 120_000, interval: 50},
			);
			assert.equal(raw.closed, false, `connection ${c} was closed by the daemon`);
			assert.equal(answers.length, wanted, `connection ${c}: as many answers as answerable frames`);
			const fuzzAnswers = answers.filter(m => fuzzIds.has((m as {id?: string}).id ?? ''));
			assert.equal(fuzzAnswers.length, fuzzIds.size, 'every fuzz frame answered once');
			for (const answer of fuzzAnswers) {
				assert.notEqual((answer as {error?: {code: number}}).error?.code, internalError, JSON.stringify(answer).slice(0, 300));
			}

			const got = answers.filter(m => !fuzzIds.has((m as {id?: string}).id ?? '')).map(m => receivedKey(m)).sort();
			assert.deepEqual(got, expected.sort(), `connection ${c}: every frame got the answer and code it should`);
			assert.ok(!raw.messages.some(m => (m as {decodeError?: string}).decodeError), 'every line from the daemon is JSON');
			responses += answers.length;
			raw.socket.destroy();
		}),
		specialFrames(socket, seed, specials),
	]);
	return {frames: connections * perConnection + specials, responses, ms: performance.now() - started};
}

/** Frames that each need a connection of their own, a few at a time. Returns once all are done. */
async function specialFrames(socket: string, seed: number, count: number): Promise<void> {
	const next = random(seed ^ 0x5bec1a1);
	const request = '{"jsonrpc":"2.0","id":1,"method":"status"}';
	const kinds: Array<() => Promise<void>> = [
		// A partial line, then the client vanishes.
		async () => {
			const raw = await RawClient.open(socket);
			raw.send(request.slice(0, 1 + Math.floor(next() * (request.length - 1))));
			raw.socket.destroy();
		},
		// A line over 1 MiB (after a good request): the good one is answered, then -32600 and the close.
		async () => {
			const raw = await RawClient.open(socket);
			const big = next() < 0.5 ? Buffer.alloc(1024 * 1024 + 1 + Math.floor(next() * 1024 * 1024), 0x61) : Buffer.from(`{"jsonrpc":"2.0","id":2,"method":"status","params":{"pad":"${'p'.repeat(1024 * 1024)}"}}\n`);
			raw.send(`${request}\n`);
			raw.send(big);
			const first = (await raw.next()) as {id: number; result?: unknown};
			assert.equal(first.id, 1);
			assert.ok(first.result);
			assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: invalidRequest, message: 'message too large (over 1 MiB)'}});
			await waitFor(() => raw.closed, closed => closed, {what: 'the daemon to close a connection that sent a line over 1 MiB'});
			assert.equal(raw.messages.length, 2, 'nothing after the error');
		},
		// A request, then gone before the answer.
		async () => {
			const raw = await RawClient.open(socket, {read: false});
			raw.send('{"jsonrpc":"2.0","id":1,"method":"logs","params":{"name":"talker","lines":10000,"follow":true}}\n{"jsonrpc":"2.0","id":2,"method":"subscribe"}\n');
			raw.socket.destroy();
		},
	];
	const queue = Array.from({length: count}, (_, i) => kinds[i % kinds.length]!);
	await Promise.all(
		Array.from({length: 4}, async () => {
			for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
				await job();
			}
		}),
	);
}

const fingerprint = (tasks: TaskStatus[]): string[] => tasks.map(t => `${t.id} ${t.state} pid=${t.pid} restarts=${t.restarts} want=${t.want}`);

describe('the control socket of a real daemon under abuse', () => {
	let dir = '';
	let socket = '';
	let daemon: TmProcess;
	let settled: StatusDoc;
	/** Every task pid seen, to kill their process groups whatever happens. */
	const taskPids = new Set<number>();

	const status = async (): Promise<StatusDoc> => {
		const client = await RpcClient.connect(socket, {client: 'abuse-check'});
		try {
			const doc = await client.call('status', {});
			for (const task of doc.tasks) {
				if (task.pid !== null) {
					taskPids.add(task.pid);
				}
			}

			return doc;
		} finally {
			await client.close();
		}
	};

	before(async () => {
		dir = tempDir('tm-abuse-');
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			[
				'programs:',
				'  web:',
				'    cmd: sleep 1000',
				'    numprocs: 2',
				'    starttime: 0',
				'  talker:',
				'    cmd: "sh -c \'while true; do echo tick; sleep 0.05; done\'"',
				'    starttime: 0',
				'  idle:',
				'    cmd: sleep 1000',
				'    autostart: false',
				'    starttime: 0',
				'    stoptime: 1',
				'',
			].join('\n'),
		);
		socket = path.join(dir, 'home', 'tm.sock');
		daemon = runTm(['up', '--foreground'], {cwd: dir});
		settled = await waitFor(
			() => status().catch(() => null),
			doc => doc !== null && doc.tasks.filter(t => t.state === 'running').length === 3,
			{what: 'web:0, web:1 and talker running', timeout: 30_000, interval: 50},
		) as StatusDoc;
	});

	after(async () => {
		// Stop the daemon the polite way, so it stops its tasks; then make sure of it by pid.
		try {
			const client = await RpcClient.connect(socket, {timeoutMs: 2000});
			await client.call('shutdown', {});
			await waitFor(() => alive(daemon.pid), running => !running, {what: 'the daemon to exit', timeout: 15_000});
		} catch {
			// Already gone, or stuck: killed below.
		}

		for (const pid of taskPids) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}

		killAllTm();
	});

	it('answers 10,000 random and malformed frames on many connections, each with the right code, and stays flat', async t => {
		const pid = daemon.pid;
		assert.equal(settled.daemon.pid, pid);
		const socketsBefore = openSockets(pid);
		// Warm-up: two rounds of the same load first. The first requests load code and grow V8's
		// heap to its working size for this load (about +35 MiB under tsx); only then is RSS flat.
		for (const seed of [1, 3]) {
			await abuse(socket, seed, 8, 1225, 200);
			await waitFor(() => openSockets(pid), n => n <= socketsBefore, {what: 'the warm-up connections to be released', timeout: 30_000});
		}

		const rssBefore = rss(pid);

		const run = await abuse(socket, 2, 8, 1225, 200);
		assert.equal(run.frames, 10_000);
		await waitFor(() => openSockets(pid), n => n <= socketsBefore, {what: 'every connection to be released', timeout: 30_000});
		const rssAfter = rss(pid);
		const rate = Math.round(run.frames / (run.ms / 1000));
		t.diagnostic(`${run.frames} frames, ${run.responses} answers checked in ${Math.round(run.ms)} ms (${rate} frames/s); daemon RSS ${mib(rssBefore)} -> ${mib(rssAfter)} (${mib(rssAfter - rssBefore)})`);

		// Generous: V8 collects when it likes, so garbage from the last frames may still be on the
		// heap (rounds after the warm-up measured between -6 and +17 MiB), and a freed 1 MiB line
		// buffer is not always given back to the OS at once. What this catches is a leak per
		// connection or per oversized line: the ~70 lines over 1 MiB in a round, had their buffers
		// been kept, would add 70 MiB; a kept subscription or connection per client, some 1,000 of
		// them, a few KiB each plus their queues.
		assert.ok(rssAfter - rssBefore < 30 * 1024 * 1024, `daemon RSS grew from ${mib(rssBefore)} to ${mib(rssAfter)}`);

		const now = await status();
		assert.deepEqual(fingerprint(now.tasks), fingerprint(settled.tasks), 'no task changed');
		assert.ok(alive(pid));
		assert.doesNotMatch(daemon.stderr(), /control socket \(/, 'no handler failed unexpectedly');
	});

	it('answers 100 clients at once, each with hello and status', async () => {
		const results = await Promise.all(
			Array.from({length: 100}, async (_, i) => {
				const client = await RpcClient.connect(socket, {client: `crowd-${i}`, timeoutMs: 30_000});
				try {
					const doc = await client.call('status', {}, {timeoutMs: 30_000});
					return {hello: client.server, doc};
				} finally {
					await client.close();
				}
			}),
		);
		for (const {hello, doc} of results) {
			assert.equal(hello.pid, daemon.pid);
			assert.equal(hello.protocol, 1);
			assert.deepEqual(fingerprint(doc.tasks), fingerprint(settled.tasks));
		}
	});

	it('stays healthy when clients vanish during logs --follow', async () => {
		const pid = daemon.pid;
		const socketsBefore = openSockets(pid);
		const follower = runTm(['logs', 'talker', '-f', '-n', '0'], {cwd: dir});
		await waitFor(follower.stdout, out => out.includes('tick'), {what: 'tm logs -f to print new lines'});
		process.kill(-follower.pid, 'SIGKILL');

		const raws = await Promise.all(Array.from({length: 10}, () => RawClient.open(socket)));
		for (const raw of raws) {
			raw.send('{"jsonrpc":"2.0","id":1,"method":"logs","params":{"name":"talker","lines":0,"follow":true}}\n');
		}

		await Promise.all(raws.map(raw => waitFor(() => raw.messages.filter(m => (m as {method?: string}).method === 'log').length, n => n >= 2, {what: 'followed lines'})));
		for (const raw of raws) {
			raw.socket.destroy();
		}

		await waitFor(() => openSockets(pid), n => n <= socketsBefore, {what: 'the followers\' sockets to be released'});
		assert.deepEqual(fingerprint((await status()).tasks), fingerprint(settled.tasks));
		assert.doesNotMatch(daemon.stderr(), /control socket \(/);
	});

	it('stays healthy when subscribers vanish while events flow', async () => {
		const pid = daemon.pid;
		const socketsBefore = openSockets(pid);
		const subscribers = await Promise.all(Array.from({length: 10}, (_, i) => RawClient.open(socket, {read: i % 2 === 0})));
		for (const raw of subscribers) {
			raw.send('{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n');
		}

		const control = await RpcClient.connect(socket);
		await control.call('start', {names: ['idle']});
		const reading = subscribers.filter((_, i) => i % 2 === 0);
		await Promise.all(reading.map(raw => waitFor(() => raw.messages.filter(m => (m as {method?: string}).method === 'event').length, n => n >= 1, {what: 'an event'})));
		for (const raw of subscribers) {
			raw.socket.destroy();
		}

		// Events after the subscribers left go nowhere and break nothing.
		const stopped = await control.call('stop', {names: ['idle']});
		assert.deepEqual(stopped.results, [{name: 'idle', ok: true, outcome: 'done', state: 'stopped'}]);
		await control.close();
		await waitFor(() => openSockets(pid), n => n <= socketsBefore, {what: 'the subscribers\' sockets to be released'});
		const now = await status();
		assert.deepEqual(fingerprint(now.tasks.filter(t => t.id !== 'idle')), fingerprint(settled.tasks.filter(t => t.id !== 'idle')));
		assert.equal(now.tasks.find(t => t.id === 'idle')?.state, 'stopped');
		assert.doesNotMatch(daemon.stderr(), /control socket \(/);
	});

	it('refuses every malformed params with -32602', async () => {
		const raw = await RawClient.open(socket);
		const lax: Array<[string, unknown]> = [
			['status', {names: 'web:0'}],
			['status', {names: 5}],
			['logs', {name: 'talker', lines: -1}],
			['logs', {name: 'talker', lines: 'all'}],
			['logs', {name: 'talker', stream: 'bogus'}],
			['logs', {name: 'talker', follow: 'yes'}],
		];
		lax.forEach(([method, params], id) => raw.send(`${JSON.stringify({jsonrpc: '2.0', id, method, params})}\n`));
		const answers: unknown[] = [];
		for (const [id] of lax.entries()) {
			answers.push(await raw.answer(id));
		}

		raw.socket.destroy();
		assert.deepEqual(
			answers.map(a => (a as {error?: {code: number}}).error?.code ?? 'ok'),
			lax.map(() => invalidParams),
			JSON.stringify(lax),
		);
	});
});
