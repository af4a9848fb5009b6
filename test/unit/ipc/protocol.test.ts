import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TmError, type TmErrorCode} from '../../../src/core/errors.js';
import {
	describeBytes,
	errorObjectOf,
	protocolVersion,
	RpcError,
	rpcErrorCodes,
	tmErrorCodes,
	tmErrorCodesByNumber,
	tmErrorOf,
	validateRequest,
	type ErrorResponse,
} from '../../../src/core/ipc/protocol.js';

function refused(value: unknown): ErrorResponse {
	const checked = validateRequest(value);
	assert.equal(checked.ok, false, `expected ${JSON.stringify(value)} to be refused`);
	return (checked as {ok: false; error: ErrorResponse}).error;
}

describe('validateRequest', () => {
	it('accepts requests and notifications', () => {
		assert.deepEqual(validateRequest({jsonrpc: '2.0', id: 1, method: 'status'}), {ok: true, value: {jsonrpc: '2.0', id: 1, method: 'status'}});
		assert.deepEqual(validateRequest({jsonrpc: '2.0', id: 'a', method: 'start', params: {names: ['x']}}), {
			ok: true,
			value: {jsonrpc: '2.0', id: 'a', method: 'start', params: {names: ['x']}},
		});
		assert.deepEqual(validateRequest({jsonrpc: '2.0', method: 'ping', params: [1], extra: true}), {
			ok: true,
			value: {jsonrpc: '2.0', method: 'ping', params: [1]},
		});
	});

	it('refuses what is not an object', () => {
		for (const value of [null, 1, 'x', true, [1]]) {
			const error = refused(value);
			assert.equal(error.id, null);
			assert.equal(error.error.code, rpcErrorCodes.invalidRequest);
		}
	});

	it('refuses a wrong jsonrpc, answering with the id', () => {
		for (const jsonrpc of [undefined, '1.0', 2, null]) {
			const error = refused({jsonrpc, id: 3, method: 'status'});
			assert.equal(error.id, 3);
			assert.equal(error.error.code, rpcErrorCodes.invalidRequest);
			assert.match(error.error.message, /jsonrpc/);
		}
	});

	it('refuses a missing or empty method', () => {
		for (const method of [undefined, '', 7, null, {}]) {
			const error = refused({jsonrpc: '2.0', id: 'q', method});
			assert.equal(error.id, 'q');
			assert.match(error.error.message, /method/);
		}
	});

	it('refuses a bad id type, answering with id null', () => {
		for (const id of [null, true, {}, [1], Number.POSITIVE_INFINITY, Number.NaN]) {
			const error = refused({jsonrpc: '2.0', id, method: 'status'});
			assert.equal(error.id, null);
			assert.match(error.error.message, /id/);
		}
	});

	it('refuses params that are not an object or an array', () => {
		for (const params of [null, 1, 'x', true]) {
			const error = refused({jsonrpc: '2.0', id: 1, method: 'status', params});
			assert.equal(error.id, 1);
			assert.match(error.error.message, /params/);
		}
	});
});

describe('error codes', () => {
	it('give each TmErrorCode its own number in -32000..-32099, and back', () => {
		const numbers = Object.values(tmErrorCodes);
		assert.equal(new Set(numbers).size, numbers.length);
		for (const [code, number] of Object.entries(tmErrorCodes)) {
			assert.ok(number <= -32_000 && number >= -32_099, `${code}: ${number}`);
			assert.equal(tmErrorCodesByNumber.get(number), code);
		}
	});

	it('carry a TmError across with its code and message', () => {
		for (const code of Object.keys(tmErrorCodes) as TmErrorCode[]) {
			const wire = JSON.parse(JSON.stringify(errorObjectOf(new TmError(code, `boom ${code}`)))) as ReturnType<typeof errorObjectOf>;
			assert.equal(wire.code, tmErrorCodes[code]);
			assert.deepEqual(wire.data, {code});
			const back = tmErrorOf(wire);
			assert.ok(back instanceof TmError);
			assert.equal(back.code, code);
			assert.equal(back.message, `boom ${code}`);
		}
	});

	it('turn a plain error into -32603 (E_INTERNAL) and an RpcError into its own code (E_PROTOCOL)', () => {
		const internal = errorObjectOf(new Error('kaput'));
		assert.deepEqual(internal, {code: rpcErrorCodes.internalError, message: 'kaput', data: {code: 'E_INTERNAL'}});
		assert.equal(tmErrorOf(internal).code, 'E_INTERNAL');

		const params = errorObjectOf(new RpcError(rpcErrorCodes.invalidParams, 'names must be strings'));
		assert.deepEqual(params, {code: -32_602, message: 'names must be strings'});
		const back = tmErrorOf(params);
		assert.equal(back.code, 'E_PROTOCOL');
		assert.equal(back.message, 'names must be strings');
		assert.ok(back.cause instanceof RpcError && back.cause.code === -32_602);
	});

	it('use the number range when data.code is missing or unknown', () => {
		assert.equal(tmErrorOf({code: tmErrorCodes.E_UNKNOWN_TASK, message: 'x'}).code, 'E_UNKNOWN_TASK');
		assert.equal(tmErrorOf({code: -32_601, message: 'x', data: {code: 'E_NOPE'}}).code, 'E_PROTOCOL');
		assert.equal(tmErrorOf({code: 12, message: 'x', data: 'text'}).code, 'E_PROTOCOL');
	});
});

describe('describeBytes', () => {
	it('says limits in words', () => {
		assert.equal(describeBytes(1024 * 1024), '1 MiB');
		assert.equal(describeBytes(64 * 1024), '64 KiB');
		assert.equal(describeBytes(1000), '1000 bytes');
	});
});

it('speaks protocol 1', () => {
	assert.equal(protocolVersion, 1);
});
