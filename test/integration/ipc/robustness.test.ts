import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {setImmediate as nextTurn} from 'node:timers/promises';
import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';
import {ManualClock, systemClock} from '../../../src/core/clock.js';
import {RpcClient} from '../../../src/core/ipc/client.js';
import {RpcServer, type ConnectionContext, type Handlers} from '../../../src/core/ipc/server.js';
import {RawClient} from '../../helpers/raw-client.js';
import {waitFor} from '../../helpers/wait.js';

/** A seeded PRNG (mulberry32), so a failing run can be replayed. */
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

let gate: {release: () => void; wait: Promise<void>} = withGate();
const closedContexts: number[] = [];
let flood: {sent: number; dropped: number; done: boolean} = {sent: 0, dropped: 0, done: false};
const internalErrors: unknown[] = [];

const line = (seq: number) => ({taskId: 'web', line: {seq, at: '2026-01-01T00:00:00.000Z', stream: 'stdout' as const, text: `line ${seq} ${'x'.repeat(60)}`}});

const handlers: Handlers = {
	echo: params => params,
	boom: () => {
		throw new Error('boom');
	},
	hold: async () => {
		await gate.wait;
		return 'released';
	},
	stream: (_params, ctx) => {
		let seq = 0;
		const timer = setInterval(() => ctx.notify('log', line(seq++)), 1);
		ctx.onClose(() => {
			clearInterval(timer);
			closedContexts.push(ctx.id);
		});
		return {streaming: true};
	},
	flood: (params, ctx) => {
		// `batch`: that many lines per `logLines` (each counts as many lines when dropped).
		const {count: total, batch = 0} = params as {count: number; batch?: number};
		flood = {sent: 0, dropped: 0, done: false};
		void (async () => {
			for (let seq = 0; seq < total; seq += Math.max(batch, 1)) {
				const lines = Array.from({length: Math.min(batch, total - seq)}, (_, i) => line(seq + i).line);
				const sent = batch === 0 ? ctx.notify('log', line(seq)) : ctx.notify('logLines', {taskId: 'web', lines}, lines.length);
				if (sent) {
					flood.sent += Math.max(lines.length, 1);
				} else {
					flood.dropped += Math.max(lines.length, 1);
				}

				if (seq % 1000 === 0) {
					await nextTurn();
				}
			}

			flood.done = true;
		})();
		return {started: true};
	},
};

/** The `dropped` notification a client that did not read gets once it reads again. */
async function droppedNotice(raw: RawClient): Promise<{params: {count: number}}> {
	const found = await waitFor(
		() => raw.messages.find(m => (m as {method?: string}).method === 'dropped') as {params: {count: number}} | undefined,
		notice => notice !== undefined,
		{what: 'the dropped notification', timeout: 30_000},
	);
	return found!;
}

const root = mkdtempSync('/tmp/tmipc-');
const socketPath = path.join(root, 'tm.sock');
let booms = 0;
const onError = (error: unknown): void => {
	// Counted, not kept: the memory checks would see thousands of kept errors.
	if (error instanceof Error && error.message === 'boom') {
		booms++;
	} else {
		internalErrors.push(error);
	}
};

const server = new RpcServer({socketPath, handlers, version: '1.2.3', clock: systemClock, onError});

before(() => server.listen());
after(async () => {
	await server.close();
	rmSync(root, {recursive: true, force: true});
});

async function noConnectionsLeft(): Promise<void> {
	await waitFor(() => server.connectionCount, count => count === 0, {what: 'every connection released'});
}

describe('malformed input', () => {
	it('answers invalid JSON with -32700 and id null, and keeps the connection', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc": "2.0", "id": 1, "method": \n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_700, message: 'parse error: the line is not valid JSON'}});
		raw.send('not json at all\n{"jsonrpc":"2.0","id":2,"method":"echo","params":["still here"]}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_700, message: 'parse error: the line is not valid JSON'}});
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 2, result: ['still here']});
		assert.equal(raw.closed, false);
		raw.socket.destroy();
		await noConnectionsLeft();
	});

	it('answers invalid requests with -32600', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('42\n{"jsonrpc":"2.0","id":{},"method":"echo"}\n{"jsonrpc":"2.0","id":3,"method":"echo","params":"x"}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_600, message: 'invalid request: expected an object, got number'}});
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_600, message: 'invalid request: id must be a string or a number'}});
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 3, error: {code: -32_600, message: 'invalid request: params must be an object or an array'}});
		raw.socket.destroy();
		await noConnectionsLeft();
	});

	it('answers a line over 1 MiB with -32600 and closes the connection', async () => {
		const raw = await RawClient.open(socketPath);
		const before = heapUsed();
		const chunk = Buffer.alloc(256 * 1024, 0x61);
		for (let i = 0; i < 8; i++) {
			raw.send(chunk);
		}

		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_600, message: 'message too large (over 1 MiB)'}});
		await waitFor(() => raw.closed, closed => closed, {what: 'the server closing the connection'});
		assert.ok(heapUsed() - before < 8 * 1024 * 1024);
		await noConnectionsLeft();
	});

	it('answers a last line without a newline when the client ends its side', async () => {
		const raw = await RawClient.open(socketPath);
		raw.socket.end('{"jsonrpc":"2.0","id":1,"method":"echo","params":["eof"]}');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 1, result: ['eof']});
		await waitFor(() => raw.closed, closed => closed, {what: 'the connection to close'});
		await noConnectionsLeft();
	});

	it('survives 10,000 random and malformed frames on several connections, with flat memory', async () => {
		const next = random(0x7e_57);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
		const valid = (id: number): string => JSON.stringify({jsonrpc: '2.0', id, method: 'echo', params: {id}});
		const frames: Array<(i: number) => string | Buffer> = [
			() => Buffer.from(Array.from({length: 1 + Math.floor(next() * 200)}, () => Math.floor(next() * 256))),
			i => valid(i).slice(0, Math.floor(next() * valid(i).length)),
			() => '{"jsonrpc":"2.0","id":1e999999,"method":"echo","params":[1e400,-1e400,123456789012345678901234567890,0.1e-999]}',
			i => `{"jsonrpc":"2.0","id":${i},"method":"echo","params":[${'9'.repeat(5000)}]}`,
			() => {
				const depth = 1 + Math.floor(next() * 20_000);
				return '['.repeat(depth) + ']'.repeat(depth);
			},
			() => '['.repeat(1 + Math.floor(next() * 20_000)),
			// Past ~5,000 levels the echoed result cannot be encoded: -32603.
			i => {
				const depth = 1 + Math.floor(next() * 10_000);
				return `{"jsonrpc":"2.0","id":${i},"method":"echo","params":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
			},
			i => valid(i),
			() => pick(['null', '123', '"text"', 'true', '{}', '[]', '[1,2,3]', '{"jsonrpc":"2.0"}']),
			i => JSON.stringify({jsonrpc: pick(['2.0', '1.0', 2]), id: pick([i, null, {}, [], true, 'x']), method: pick(['echo', 7, '', null]), params: pick([[], {}, 'p', 3, null])}),
			i => JSON.stringify(Array.from({length: Math.floor(next() * 120)}, (_, k) => pick([{jsonrpc: '2.0', id: `${i}.${k}`, method: 'echo'}, 1, 'junk', {jsonrpc: '2.0', method: 'boom'}]))),
			i => JSON.stringify({jsonrpc: '2.0', id: i, method: 'x'.repeat(10_000)}),
			i => JSON.stringify({jsonrpc: '2.0', id: i, method: pick(['constructor', '__proto__', 'toString', 'hello', 'boom', 'rpc.discover'])}),
			i => JSON.stringify({jsonrpc: '2.0', id: i, method: 'hello', params: {protocol: pick([0, 1, 2, -1, 1.5, 1e300, '1']), client: pick(['x', 1, null])}}),
			() => Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('","method":"echo"}')]),
			() => '{"__proto__":{"method":"echo"},"jsonrpc":"2.0","id":1}',
			() => JSON.stringify({jsonrpc: '2.0', method: 'boom'}),
			() => '\r\n  \t',
		];

		const connections = 8;
		const perConnection = 1250;
		const heapBefore = heapUsed();
		const clients = await Promise.all(Array.from({length: connections}, () => RawClient.open(socketPath)));
		await Promise.all(
			clients.map(async (raw, c) => {
				for (let k = 0; k < perConnection; k++) {
					const i = c * perConnection + k;
					const frame = pick(frames)(i);
					raw.send(typeof frame === 'string' ? `${frame}\n` : Buffer.concat([frame, Buffer.from('\n')]));
					if (k % 100 === 0) {
						await nextTurn();
					}
				}

				raw.send(`${JSON.stringify({jsonrpc: '2.0', id: 'final', method: 'echo', params: ['alive']})}\n`);
				assert.deepEqual(await raw.answer('final'), {jsonrpc: '2.0', id: 'final', result: ['alive']});
				assert.equal(raw.closed, false, 'no connection was closed by malformed frames');
			}),
		);

		assert.equal(server.connectionCount, connections);
		for (const raw of clients) {
			raw.socket.destroy();
			raw.messages.length = 0;
		}

		await noConnectionsLeft();
		// The server still answers a normal client.
		const client = await RpcClient.connect(socketPath);
		assert.deepEqual(await client.callUntyped('echo', {ok: true}), {ok: true});
		await client.close();
		await noConnectionsLeft();

		clients.length = 0;
		const growth = heapUsed() - heapBefore;
		assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${Math.round(growth / 1024 / 1024)} MB`);
		assert.deepEqual(internalErrors, [], 'only the handler that throws on purpose was reported');
		assert.ok(booms > 0);
	});
});

describe('clients that go away', () => {
	it('drops the answer to a client that disconnected mid-request', async () => {
		gate = withGate();
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc":"2.0","id":1,"method":"hold"}\n');
		await waitFor(() => server.connectionCount, count => count === 1, {what: 'the connection'});
		raw.socket.destroy();
		gate.release();
		await noConnectionsLeft();
		const client = await RpcClient.connect(socketPath);
		assert.deepEqual(await client.callUntyped('echo', [1]), [1]);
		await client.close();
	});

	it('cleans up after a client that disconnects mid-stream', async () => {
		const client = await RpcClient.connect(socketPath);
		let received = 0;
		client.on('log', () => received++);
		assert.deepEqual(await client.callUntyped('stream'), {streaming: true});
		await waitFor(() => received, count => count >= 20, {what: 'some streamed lines'});
		const before = closedContexts.length;
		await client.close();
		await waitFor(() => closedContexts.length, count => count === before + 1, {what: 'the stream cleanup'});
		await noConnectionsLeft();
	});

	it('counts the lines of a dropped batch, so lines received and dropped add up to those sent', async () => {
		const total = 200_000;
		const raw = await RawClient.open(socketPath, {read: false});
		raw.send(`{"jsonrpc":"2.0","id":1,"method":"flood","params":{"count":${total},"batch":10}}\n`);
		await waitFor(() => flood.done, done => done, {what: 'the flood to be pushed', timeout: 30_000});
		assert.ok(flood.dropped > 0, 'some batches were dropped');
		raw.read();
		const dropped = await droppedNotice(raw);
		assert.equal(dropped.params.count, flood.dropped);
		const count = (): number =>
			(raw.messages.filter(m => (m as {method?: string}).method === 'logLines') as Array<{params: {lines: unknown[]}}>).reduce((sum, batch) => sum + batch.params.lines.length, 0);
		const received = (await waitFor(count, n => n >= flood.sent, {what: `${flood.sent} lines`, timeout: 30_000}))!;
		assert.equal(received, flood.sent);
		assert.equal(received + dropped.params.count, total);
		raw.socket.destroy();
		await noConnectionsLeft();
	});

	it('keeps the memory bounded for a subscriber that does not read, then reports what it dropped', async () => {
		const total = 100_000;
		const raw = await RawClient.open(socketPath, {read: false});
		const heapBefore = heapUsed();
		raw.send('{"jsonrpc":"2.0","id":1,"method":"flood","params":{"count":100000}}\n');
		await waitFor(() => flood.done, done => done, {what: 'the flood to be pushed', timeout: 30_000});
		assert.ok(server.queuedMessages <= 10_001, `${server.queuedMessages} messages queued`);
		assert.ok(flood.dropped > 0, 'some notifications were dropped');
		const growth = heapUsed() - heapBefore;
		assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${Math.round(growth / 1024 / 1024)} MB`);

		raw.read();
		const dropped = await droppedNotice(raw);
		assert.ok(dropped.params.count > 0);
		assert.equal(dropped.params.count, flood.dropped);
		// Lines queued after the drop ended (the paused client's read-ahead let the queue drain) follow `dropped`.
		const received = (): Array<{params: {line: {seq: number}}}> => raw.messages.filter(m => (m as {method?: string}).method === 'log') as Array<{params: {line: {seq: number}}}>;
		const logs = (await waitFor(received, found => found.length >= flood.sent, {what: `${flood.sent} lines`, timeout: 30_000}))!;
		assert.equal(logs.length, flood.sent);
		assert.equal(logs.length + dropped.params.count, total);
		// What arrived is in order; the gap is marked by the `dropped` notification.
		const seqs = logs.map(l => l.params.line.seq);
		assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!));
		assert.deepEqual(raw.messages.find(m => (m as {id?: number}).id === 1), {jsonrpc: '2.0', id: 1, result: {started: true}});

		// The connection works normally again.
		raw.send('{"jsonrpc":"2.0","id":2,"method":"echo","params":["caught up"]}\n');
		assert.deepEqual(await raw.answer(2), {jsonrpc: '2.0', id: 2, result: ['caught up']});
		raw.socket.destroy();
		await noConnectionsLeft();
	});

	it('pauses reading from a client that pipelines requests without reading, and answers them all', async () => {
		const count = 20_000;
		const raw = await RawClient.open(socketPath, {read: false});
		const requests = Array.from({length: count}, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"echo","params":[${i}]}\n`).join('');
		raw.send(requests);
		await waitFor(() => server.queuedMessages, queued => queued > 0, {what: 'the server to queue answers'});
		assert.ok(server.queuedMessages < 10_000, `${server.queuedMessages} answers queued`);
		raw.read();
		await waitFor(() => raw.messages.length, length => length === count, {what: 'every answer', timeout: 30_000});
		assert.ok(raw.messages.every((m, i) => (m as {id: number; result: number[]}).id === i && (m as {result: number[]}).result[0] === i));
		raw.socket.destroy();
		await noConnectionsLeft();
	});
});

/**
 * The heap in use after a full collection, so garbage left by the frames does not count. The
 * test runner has no --expose-gc; V8 lets a process turn it on for itself.
 */
function heapUsed(): number {
	v8.setFlagsFromString('--expose-gc');
	const gc = runInNewContext('gc') as () => void;
	gc();
	return process.memoryUsage().heapUsed;
}

function withGate(): {release: () => void; wait: Promise<void>} {
	let release = (): void => {};
	const wait = new Promise<void>(resolve => {
		release = resolve;
	});
	return {release, wait};
}

describe('limits', () => {
	it('cuts off a client whose unread answers pass the hard cap, and goes on serving others', async () => {
		const dir = mkdtempSync('/tmp/tmipc-');
		const sock = path.join(dir, 'tm.sock');
		const big = 'y'.repeat(64 * 1024);
		const small = new RpcServer({socketPath: sock, handlers: {big: () => big, echo: p => p}, version: '1', clock: systemClock, maxQueuedMessages: 10});
		await small.listen();
		try {
			const raw = await RawClient.open(sock, {read: false});
			raw.send(Array.from({length: 200}, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"big"}\n`).join(''));
			// The client does not read, so it cannot see the close; the server's side can.
			await waitFor(() => small.connectionCount, count => count === 0, {what: 'the server to cut the client off'});
			raw.read();
			await waitFor(() => raw.closed, closed => closed, {what: 'the client to see the close'});
			assert.ok(raw.messages.length < 200, `${raw.messages.length} answers arrived`);
			const client = await RpcClient.connect(sock);
			assert.deepEqual(await client.callUntyped('echo', ['fine']), ['fine']);
			await client.close();
		} finally {
			await small.close();
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('gives a closing connection that does not read closeGraceMs on the clock, then destroys it', async () => {
		const dir = mkdtempSync('/tmp/tmipc-');
		const sock = path.join(dir, 'tm.sock');
		const clock = new ManualClock();
		let ctx: ConnectionContext | null = null;
		const own = new RpcServer({
			socketPath: sock,
			version: '1',
			clock,
			closeGraceMs: 5000,
			handlers: {
				watch: (_p, context) => {
					ctx = context;
					return {watching: true};
				},
			},
		});
		await own.listen();
		const raw = await RawClient.open(sock, {read: false});
		raw.send('{"jsonrpc":"2.0","id":1,"method":"watch"}\n');
		await waitFor(() => ctx, found => found !== null, {what: 'the subscription'});
		for (let seq = 0; seq < 20_000; seq++) {
			ctx!.notify('log', line(seq));
		}

		assert.ok(own.queuedMessages > 0, 'the client is behind');
		let closed = false;
		const closing = own.close().then(() => {
			closed = true;
		});
		await nextTurn();
		assert.equal(closed, false, 'waits for the slow client');
		assert.equal(own.connectionCount, 1);
		clock.advance(4999);
		await nextTurn();
		assert.equal(closed, false);
		clock.advance(1);
		await closing;
		assert.equal(own.connectionCount, 0);
		raw.socket.destroy();
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('closing with a request that never ends', () => {
	it('does not wait past closeGraceMs for a handler that hangs', async () => {
		const dir = mkdtempSync('/tmp/tmipc-');
		const sock = path.join(dir, 'tm.sock');
		const clock = new ManualClock();
		const own = new RpcServer({socketPath: sock, version: '1', clock, closeGraceMs: 1000, handlers: {hang: () => new Promise(() => {})}});
		await own.listen();
		const raw = await RawClient.open(sock);
		// The client half-closes after its request, as `nc -N` does.
		raw.socket.end('{"jsonrpc":"2.0","id":1,"method":"hang"}\n');
		await waitFor(() => own.connectionCount, count => count === 1, {what: 'the connection'});
		const closing = own.close();
		clock.advance(1000);
		await closing;
		assert.equal(own.connectionCount, 0);
		await waitFor(() => raw.closed, closed => closed, {what: 'the client to see the close'});
		rmSync(dir, {recursive: true, force: true});
	});
});
