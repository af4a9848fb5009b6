import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {ManualClock, systemClock} from '../../../src/core/clock.js';
import {TmError} from '../../../src/core/errors.js';
import {RpcClient} from '../../../src/core/ipc/client.js';
import {RpcError, rpcErrorCodes, tmErrorCodes, type StatusDoc} from '../../../src/core/ipc/protocol.js';
import {RpcServer, type ConnectionContext, type Handlers} from '../../../src/core/ipc/server.js';
import type {EventDoc} from '../../../src/core/ipc/methods.js';
import {RawClient} from '../../helpers/raw-client.js';
import {diskOk, eventDoc} from '../../helpers/task-status.js';
import {waitFor} from '../../helpers/wait.js';

const status: StatusDoc = {
	daemon: {pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z', version: '1.2.3', home: '/h', config: null, disk: diskOk},
	tasks: [],
};

let gate: {release: () => void; wait: Promise<void>} | null = null;
const contexts: ConnectionContext[] = [];

const handlers: Handlers = {
	status: params => {
		const names = (params as {names?: unknown}).names;
		if (names !== undefined && !Array.isArray(names)) {
			throw new RpcError(rpcErrorCodes.invalidParams, 'names must be an array of strings');
		}

		return status;
	},
	start: async params => {
		await Promise.resolve();
		const [name] = (params as {names: string[]}).names;
		throw new TmError('E_UNKNOWN_TASK', `no task named ${name}`);
	},
	stop: () => {
		throw new Error('the handler broke');
	},
	echo: params => params,
	hold: async () => {
		await gate?.wait;
		return 'released';
	},
	whoami: (_params, ctx) => ({client: ctx.client, id: ctx.id}),
	subscribe: (_params, ctx) => {
		contexts.push(ctx);
		// Pushed right after the synchronous answer: must arrive after it.
		queueMicrotask(() => ctx.notify('event', event(1)));
		return {...status, lastSeq: 0};
	},
};

function event(seq: number): EventDoc {
	return eventDoc(seq, {at: '2026-01-01T00:00:00.000Z', taskId: 'web', from: 'queued', to: 'starting', reason: 'admitted'});
}

const root = mkdtempSync('/tmp/tmipc-');
const socketPath = path.join(root, 'tm.sock');
const server = new RpcServer({socketPath, handlers, version: '1.2.3', clock: systemClock});

before(() => server.listen());
after(async () => {
	await server.close();
	rmSync(root, {recursive: true, force: true});
});

describe('RpcClient and RpcServer', () => {
	it('say hello and call a method', async () => {
		const client = await RpcClient.connect(socketPath, {client: 'test-suite'});
		assert.deepEqual(client.server, {protocol: 1, version: '1.2.3', pid: process.pid});
		const doc = await client.call('status', {});
		assert.deepEqual(doc, status);
		const who = (await client.callUntyped('whoami')) as {client: string; id: number};
		assert.equal(who.client, 'test-suite');
		assert.ok(who.id >= 1);
		await client.close();
		assert.equal(client.closed, true);
	});

	it('carries a TmError across with its code', async () => {
		const client = await RpcClient.connect(socketPath);
		await assert.rejects(client.call('start', {names: ['ghost']}), (error: unknown) => {
			assert.ok(error instanceof TmError);
			assert.equal(error.code, 'E_UNKNOWN_TASK');
			assert.equal(error.message, 'no task named ghost');
			return true;
		});
		await client.close();
	});

	it('turns invalid params into E_PROTOCOL with the message', async () => {
		const client = await RpcClient.connect(socketPath);
		await assert.rejects(client.call('status', {names: 'web' as unknown as string[]}), {
			name: 'TmError',
			code: 'E_PROTOCOL',
			message: 'names must be an array of strings',
		});
		await client.close();
	});

	it('answers a handler that throws a plain Error with -32603, and keeps serving', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc":"2.0","id":1,"method":"stop","params":{"names":["web"]}}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 1, error: {code: -32_603, message: 'the handler broke', data: {code: 'E_INTERNAL'}}});
		const client = await RpcClient.connect(socketPath);
		await assert.rejects(client.call('stop', {names: ['web']}), {code: 'E_INTERNAL', message: 'the handler broke'});
		assert.deepEqual(await client.call('status', {}), status);
		await client.close();
		raw.socket.destroy();
	});

	it('answers an unknown method with -32601 naming it', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc":"2.0","id":"x","method":"frobnicate"}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 'x', error: {code: -32_601, message: 'method not found: frobnicate'}});
		raw.socket.destroy();

		const client = await RpcClient.connect(socketPath);
		await assert.rejects(client.callUntyped('frobnicate'), {code: 'E_PROTOCOL', message: 'method not found: frobnicate'});
		await client.close();
	});

	it('refuses hello with another protocol, naming both versions', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocol":2,"client":"future"}}\n');
		assert.deepEqual(await raw.next(), {
			jsonrpc: '2.0',
			id: 1,
			error: {code: tmErrorCodes.E_PROTOCOL, message: 'protocol 2 is not supported by this daemon (speaks 1)', data: {code: 'E_PROTOCOL'}},
		});
		// Requests without hello are fine.
		raw.send('{"jsonrpc":"2.0","id":2,"method":"echo","params":[1,2]}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 2, result: [1, 2]});
		raw.socket.destroy();
	});

	it('answers a batch with one array, leaving notifications out', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send(
			JSON.stringify([
				{jsonrpc: '2.0', id: 1, method: 'echo', params: {a: 1}},
				{jsonrpc: '2.0', method: 'echo', params: {b: 2}},
				{jsonrpc: '2.0', id: 2, method: 'nope'},
				{jsonrpc: '1.0', id: 3, method: 'echo'},
				{jsonrpc: '2.0', id: 4, method: 'start', params: {names: ['x']}},
			]) + '\n',
		);
		assert.deepEqual(await raw.next(), [
			{jsonrpc: '2.0', id: 1, result: {a: 1}},
			{jsonrpc: '2.0', id: 2, error: {code: -32_601, message: 'method not found: nope'}},
			{jsonrpc: '2.0', id: 3, error: {code: -32_600, message: 'invalid request: jsonrpc must be "2.0"'}},
			{jsonrpc: '2.0', id: 4, error: {code: -32_005, message: 'no task named x', data: {code: 'E_UNKNOWN_TASK'}}},
		]);
		raw.send('[]\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_600, message: 'invalid request: empty batch'}});
		raw.send(`${JSON.stringify(Array.from({length: 101}, (_, i) => ({jsonrpc: '2.0', id: i, method: 'echo'})))}\n`);
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: null, error: {code: -32_600, message: 'invalid request: batch of 101 messages (at most 100)'}});
		raw.send('[{"jsonrpc":"2.0","method":"echo"}]\n{"jsonrpc":"2.0","id":9,"method":"echo","params":[]}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 9, result: []}, 'a batch of notifications gets no answer');
		raw.socket.destroy();
	});

	it('answers a result it cannot encode with -32603', async () => {
		const raw = await RawClient.open(socketPath);
		const deep = '['.repeat(100_000) + ']'.repeat(100_000);
		raw.send(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"deep":${deep}}}\n`);
		const answer = (await raw.next()) as {id: number; error: {code: number; message: string}};
		assert.equal(answer.id, 1);
		assert.equal(answer.error.code, -32_603);
		assert.match(answer.error.message, /could not be encoded/);
		raw.socket.destroy();
	});

	it('serves 100 clients at once', async () => {
		const clients = await Promise.all(Array.from({length: 100}, (_, i) => RpcClient.connect(socketPath, {client: `c${i}`})));
		const answers = await Promise.all(clients.map((client, i) => client.callUntyped('echo', {i})));
		assert.deepEqual(
			answers,
			clients.map((_, i) => ({i})),
		);
		const whoami = await Promise.all(clients.map(client => client.callUntyped('whoami') as Promise<{client: string}>));
		assert.deepEqual(
			whoami.map(w => w.client),
			clients.map((_, i) => `c${i}`),
		);
		await Promise.all(clients.map(client => client.close()));
		await waitFor(() => server.connectionCount, count => count === 0, {what: 'every connection released'});
	});

	it('matches overlapping calls on one connection by id', async () => {
		const client = await RpcClient.connect(socketPath);
		gate = withGate();
		const held = client.callUntyped('hold');
		const quick = await client.callUntyped('echo', ['quick']);
		assert.deepEqual(quick, ['quick']);
		gate.release();
		assert.equal(await held, 'released');
		await client.close();
	});

	it('sends a synchronous answer before the notifications pushed after it', async () => {
		const raw = await RawClient.open(socketPath);
		raw.send('{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n');
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', id: 1, result: {...status, lastSeq: 0}});
		assert.deepEqual(await raw.next(), {jsonrpc: '2.0', method: 'event', params: event(1)});
		raw.socket.destroy();
	});

	it('delivers notifications to the listeners registered with on()', async () => {
		const client = await RpcClient.connect(socketPath);
		const seen: number[] = [];
		const stop = client.on('event', e => seen.push(e.seq));
		const snapshot = await client.call('subscribe', {});
		assert.equal(snapshot.lastSeq, 0);
		await waitFor(() => seen.length, length => length === 1, {what: 'the first event'});
		stop();
		contexts.at(-1)!.notify('event', event(2));
		assert.deepEqual(await client.callUntyped('echo', ['after']), ['after']);
		assert.deepEqual(seen, [1], 'no event after unsubscribing');
		await client.close();
	});

	it('tells handlers when their connection closes', async () => {
		const client = await RpcClient.connect(socketPath);
		await client.call('subscribe', {});
		const ctx = contexts.at(-1)!;
		let cleaned = 0;
		ctx.onClose(() => cleaned++);
		assert.equal(ctx.notify('dropped', {count: 0}), true);
		await client.close();
		await waitFor(() => cleaned, count => count === 1, {what: 'the close listener'});
		assert.equal(ctx.closed, true);
		assert.equal(ctx.notify('event', event(2)), false, 'notify on a closed connection does nothing');
		ctx.onClose(() => cleaned++);
		assert.equal(cleaned, 2, 'a listener added after the close runs at once');
	});

	it('rejects waiting calls when the client closes, and refuses calls after', async () => {
		const client = await RpcClient.connect(socketPath);
		gate = withGate();
		const held = client.callUntyped('hold');
		const closed = new Promise<TmError | null>(resolve => client.onClose(resolve));
		await client.close();
		await assert.rejects(held, {name: 'TmError'});
		assert.equal(await closed, null);
		await assert.rejects(client.call('status', {}), {code: 'E_DAEMON_NOT_RUNNING'});
		gate.release();
	});

	it('times a call out through the clock', async () => {
		const clock = new ManualClock();
		const client = await RpcClient.connect(socketPath, {clock});
		gate = withGate();
		const held = client.callUntyped('hold', undefined, {timeoutMs: 1000});
		clock.advance(999);
		const early = await Promise.race([held.then(() => 'answered', () => 'rejected'), Promise.resolve('pending')]);
		assert.equal(early, 'pending');
		clock.advance(1);
		await assert.rejects(held, {code: 'E_DAEMON_NOT_RUNNING', message: 'the tm daemon did not answer hold within 1000 ms'});
		gate.release();
		// The late answer is ignored; the connection still works.
		assert.deepEqual(await client.callUntyped('echo', [1]), [1]);
		await client.close();
	});
});

describe('a daemon that shuts down', () => {
	it('answers the shutdown request, then closes every connection and removes the socket', async () => {
		const dir = mkdtempSync('/tmp/tmipc-');
		const sock = path.join(dir, 'tm.sock');
		const closing: Array<Promise<void>> = [];
		const own: RpcServer = new RpcServer({
			socketPath: sock,
			version: '1.2.3',
			clock: systemClock,
			handlers: {
				shutdown: () => {
					closing.push(own.close());
					return {ok: true as const};
				},
			},
		});
		await own.listen();
		const bystander = await RpcClient.connect(sock);
		const bystanderClosed = new Promise<TmError | null>(resolve => bystander.onClose(resolve));
		const client = await RpcClient.connect(sock);
		assert.deepEqual(await client.call('shutdown', {}), {ok: true});
		await Promise.all(closing);
		const reason = await bystanderClosed;
		assert.ok(reason instanceof TmError);
		assert.equal(reason.code, 'E_DAEMON_NOT_RUNNING');
		assert.equal(own.connectionCount, 0);
		assert.equal(own.listening, false);
		await assert.rejects(RpcClient.connect(sock), {code: 'E_DAEMON_NOT_RUNNING'});
		rmSync(dir, {recursive: true, force: true});
	});
});

function withGate(): {release: () => void; wait: Promise<void>} {
	let release = (): void => {};
	const wait = new Promise<void>(resolve => {
		release = resolve;
	});
	return {release, wait};
}
