import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {encode, LineDecoder, type DecodedLine} from '../../../src/core/ipc/line-codec.js';

const values = (lines: DecodedLine[]): unknown[] => lines.map(line => (line.ok ? line.value : line.error));

describe('LineDecoder', () => {
	it('reads several messages from one chunk', () => {
		const decoder = new LineDecoder();
		const chunk = Buffer.from('{"a":1}\n[1,2]\n"x"\n{"b":');
		assert.deepEqual(values(decoder.push(chunk)), [{a: 1}, [1, 2], 'x']);
		assert.deepEqual(values(decoder.push(Buffer.from('2}\n'))), [{b: 2}]);
		assert.equal(decoder.bufferedBytes, 0);
	});

	it('reads a message split across chunks at every byte', () => {
		const message = {jsonrpc: '2.0', id: 7, method: 'status', params: {names: ['wéb', '日本', '🚀']}};
		const bytes = Buffer.from(encode(message) + encode({next: true}));
		for (let cut = 0; cut <= bytes.length; cut++) {
			const decoder = new LineDecoder();
			const out = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
			assert.deepEqual(values(out), [message, {next: true}], `cut at ${cut}`);
		}
	});

	it('reads a message fed one byte at a time', () => {
		const message = {jsonrpc: '2.0', method: 'log', params: {text: 'ü'.repeat(50)}};
		const bytes = Buffer.from(encode(message));
		const decoder = new LineDecoder();
		const out: DecodedLine[] = [];
		for (const byte of bytes) {
			out.push(...decoder.push(Buffer.from([byte])));
		}

		assert.deepEqual(values(out), [message]);
	});

	it('reports invalid JSON as a parse error and goes on', () => {
		const decoder = new LineDecoder();
		assert.deepEqual(values(decoder.push(Buffer.from('{"a":\n{]\n\xff\xfe\n1\n'))), ['parse', 'parse', 'parse', 1]);
	});

	it('skips blank lines and accepts CRLF', () => {
		const decoder = new LineDecoder();
		assert.deepEqual(values(decoder.push(Buffer.from('\n  \n\r\n{"a":1}\r\n\t\n'))), [{a: 1}]);
	});

	it('refuses a 2 MiB line without buffering it, then reads the next line', () => {
		const decoder = new LineDecoder();
		const chunk = Buffer.alloc(64 * 1024, 0x61);
		const out: DecodedLine[] = [];
		let maxBuffered = 0;
		for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) {
			out.push(...decoder.push(chunk));
			maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
		}

		assert.deepEqual(values(out), ['too-long'], 'one too-long, as soon as the limit is passed');
		assert.ok(maxBuffered <= 1024 * 1024, `buffered ${maxBuffered} bytes`);
		assert.equal(decoder.bufferedBytes, 0, 'nothing kept while discarding');
		assert.deepEqual(values(decoder.push(Buffer.from('aaaa\n{"ok":true}\n'))), [{ok: true}]);
	});

	it('takes a line of exactly the limit and refuses one byte more', () => {
		const decoder = new LineDecoder(10);
		assert.deepEqual(values(decoder.push(Buffer.from('"12345678"\n'))), ['12345678']);
		assert.deepEqual(values(decoder.push(Buffer.from('"123456789"\n'))), ['too-long']);
		assert.deepEqual(values(decoder.push(Buffer.from('"1234"\n'))), ['1234']);
	});

	it('refuses a long line that arrives in one chunk with others', () => {
		const decoder = new LineDecoder(16);
		const out = decoder.push(Buffer.from(`1\n"${'x'.repeat(100)}"\n2\n`));
		assert.deepEqual(values(out), [1, 'too-long', 2]);
	});

	it('rejects a bad limit', () => {
		assert.throws(() => new LineDecoder(0), RangeError);
		assert.throws(() => new LineDecoder(1.5), RangeError);
	});

	it('reset drops a partial line', () => {
		const decoder = new LineDecoder();
		decoder.push(Buffer.from('{"a":'));
		decoder.reset();
		assert.deepEqual(values(decoder.push(Buffer.from('2\n'))), [2]);
	});
});

describe('encode', () => {
	it('writes JSON and a newline', () => {
		assert.equal(encode({jsonrpc: '2.0', id: 1, result: null}), '{"jsonrpc":"2.0","id":1,"result":null}\n');
	});

	it('escapes newlines inside strings, so a message stays on one line', () => {
		const line = encode({text: 'a\nb\r\nc'});
		assert.equal(line.indexOf('\n'), line.length - 1);
	});

	it('throws on what JSON cannot hold', () => {
		assert.throws(() => encode(10n));
		assert.throws(() => encode(undefined), TypeError);
		const cycle: Record<string, unknown> = {};
		cycle['self'] = cycle;
		assert.throws(() => encode(cycle), TypeError);
	});
});
