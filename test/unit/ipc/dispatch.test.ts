import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TmError} from '../../../src/core/errors.js';
import {createDispatch, type ConnectionContext, type DispatchTarget, type Handlers} from '../../../src/core/ipc/dispatch.js';
import {RpcError, rpcErrorCodes, tmErrorCodes, type Response} from '../../../src/core/ipc/protocol.js';
import {diskOk} from '../../helpers/task-status.js';

function target(): DispatchTarget & {client: string | null} {
	const context: ConnectionContext = {
		id: 1,
		client: null,
		closed: false,
		notify: () => true,
		onClose: () => {},
		close: () => {},
	};
	const t = {
		context,
		client: null as string | null,
		setClient(name: string) {
			t.client = name;
		},
	};
	return t;
}

const handlers: Handlers = {
	status: () => ({daemon: {pid: 1, startedAt: '', version: '0', home: '/h', config: null, disk: diskOk}, tasks: []}),
	start: async params => {
		await Promise.resolve();
		const names = (params as {names?: unknown}).names;
		if (!Array.isArray(names)) {
			throw new RpcError(rpcErrorCodes.invalidParams, 'names must be an array');
		}

		throw new TmError('E_UNKNOWN_TASK', `no task named ${String(names[0])}`);
	},
	stop: () => {
		throw new Error('bug');
	},
	nothing: () => undefined,
};

describe('createDispatch', () => {
	const errors: unknown[] = [];
	const dispatch = createDispatch({handlers, version: '9.9.9', pid: 42, onError: error => errors.push(error)});

	it('answers hello and records the client name', () => {
		const t = target();
		const answer = dispatch({jsonrpc: '2.0', id: 1, method: 'hello', params: {protocol: 1, client: 'cli'}}, t);
		assert.deepEqual(answer, {jsonrpc: '2.0', id: 1, result: {protocol: 1, version: '9.9.9', pid: 42}});
		assert.equal(t.client, 'cli');
	});

	it('refuses another protocol, naming both versions', () => {
		const answer = dispatch({jsonrpc: '2.0', id: 1, method: 'hello', params: {protocol: 2, client: 'cli'}}, target()) as Response;
		assert.ok('error' in answer);
		assert.equal(answer.error.code, tmErrorCodes.E_PROTOCOL);
		assert.equal(answer.error.message, 'protocol 2 is not supported by this daemon (speaks 1)');
	});

	it('refuses hello without a protocol as invalid params', () => {
		for (const params of [undefined, [], {client: 'x'}, {protocol: '1'}, {protocol: 1, client: 3}]) {
			const answer = dispatch({jsonrpc: '2.0', id: 1, method: 'hello', params}, target()) as Response;
			assert.ok('error' in answer && answer.error.code === rpcErrorCodes.invalidParams, JSON.stringify(params));
		}
	});

	it('answers a synchronous handler synchronously', () => {
		const answer = dispatch({jsonrpc: '2.0', id: 'a', method: 'status'}, target());
		assert.ok(!(answer instanceof Promise));
		assert.equal((answer as {id: string}).id, 'a');
	});

	it('answers undefined as null (a response always has a result)', () => {
		assert.deepEqual(dispatch({jsonrpc: '2.0', id: 2, method: 'nothing'}, target()), {jsonrpc: '2.0', id: 2, result: null});
	});

	it('keeps the codes of TmError and RpcError thrown by async handlers', async () => {
		const unknown = (await dispatch({jsonrpc: '2.0', id: 3, method: 'start', params: {names: ['nope']}}, target())) as Response;
		assert.deepEqual(unknown, {jsonrpc: '2.0', id: 3, error: {code: -32_005, message: 'no task named nope', data: {code: 'E_UNKNOWN_TASK'}}});
		const invalid = (await dispatch({jsonrpc: '2.0', id: 4, method: 'start'}, target())) as Response;
		assert.deepEqual(invalid, {jsonrpc: '2.0', id: 4, error: {code: -32_602, message: 'names must be an array'}});
		assert.equal(errors.length, 0, 'expected failures are not reported as bugs');
	});

	it('turns a thrown Error into -32603 and reports it', () => {
		const answer = dispatch({jsonrpc: '2.0', id: 5, method: 'stop', params: {names: []}}, target());
		assert.deepEqual(answer, {jsonrpc: '2.0', id: 5, error: {code: -32_603, message: 'bug', data: {code: 'E_INTERNAL'}}});
		assert.equal(errors.length, 1);
	});

	it('answers an unknown method with -32601 naming it, prototype names included', () => {
		for (const method of ['nope', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
			const answer = dispatch({jsonrpc: '2.0', id: 6, method}, target()) as Response;
			assert.ok('error' in answer);
			assert.equal(answer.error.code, rpcErrorCodes.methodNotFound);
			assert.equal(answer.error.message, `method not found: ${method}`);
		}
	});

	it('never answers a notification, not even an error', async () => {
		assert.equal(dispatch({jsonrpc: '2.0', method: 'nope'}, target()), null);
		assert.equal(dispatch({jsonrpc: '2.0', method: 'status'}, target()), null);
		assert.equal(dispatch({jsonrpc: '2.0', method: 'stop'}, target()), null);
		assert.equal(await dispatch({jsonrpc: '2.0', method: 'start', params: {names: ['x']}}, target()), null);
	});
});
