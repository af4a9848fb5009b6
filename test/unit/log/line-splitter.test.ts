import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {LineSplitter} from '../../../src/core/log/line-splitter.js';

const text = 'héllo wörld\n€uro 𝄞 clef\r\n\nlast ✓ line\n日本語\r\npartial 😀';
const bytes = Buffer.from(text);
const expectedLines = ['héllo wörld', '€uro 𝄞 clef', '', 'last ✓ line', '日本語'];
const expectedTail = 'partial 😀';

function run(chunks: Buffer[], splitter = new LineSplitter()): {lines: string[]; tail: string | null} {
	const lines: string[] = [];
	for (const chunk of chunks) {
		lines.push(...splitter.push(chunk));
	}

	return {lines, tail: splitter.flush()};
}

describe('LineSplitter', () => {
	it('splits a whole buffer', () => {
		assert.deepEqual(run([bytes]), {lines: expectedLines, tail: expectedTail});
	});

	it('gives the same lines for a split at every byte position', () => {
		for (let i = 0; i <= bytes.length; i++) {
			const result = run([bytes.subarray(0, i), bytes.subarray(i)]);
			assert.deepEqual(result, {lines: expectedLines, tail: expectedTail}, `split at ${i}`);
		}
	});

	it('gives the same lines for splits at every pair of byte positions', () => {
		for (let i = 0; i <= bytes.length; i++) {
			for (let j = i; j <= bytes.length; j++) {
				const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
				assert.deepEqual(run(chunks), {lines: expectedLines, tail: expectedTail}, `split at ${i}, ${j}`);
			}
		}
	});

	it('gives the same lines one byte at a time', () => {
		const chunks = [...bytes].map((byte) => Buffer.from([byte]));
		assert.deepEqual(run(chunks), {lines: expectedLines, tail: expectedTail});
	});

	it('strips one trailing CR, also when CR and LF arrive in different chunks', () => {
		assert.deepEqual(run([Buffer.from('a\r\nb\r\r\nc\rd\n')]).lines, ['a', 'b\r', 'c\rd']);
		assert.deepEqual(run([Buffer.from('a\r'), Buffer.from('\nb\r'), Buffer.from('\n')]).lines, ['a', 'b']);
		assert.equal(run([Buffer.from('x\r')]).tail, 'x');
	});

	it('returns empty lines', () => {
		assert.deepEqual(run([Buffer.from('\n\n'), Buffer.from('\n')]), {lines: ['', '', ''], tail: null});
	});

	it('flush gives null after a final newline or nothing, and resets', () => {
		const splitter = new LineSplitter();
		assert.equal(splitter.flush(), null);
		assert.deepEqual(splitter.push(Buffer.from('abc\n')), ['abc']);
		assert.equal(splitter.flush(), null);
		assert.deepEqual(splitter.push(Buffer.from('par')), []);
		assert.deepEqual(splitter.push(Buffer.from('tial')), []);
		assert.equal(splitter.flush(), 'partial');
		assert.equal(splitter.flush(), null);
		assert.deepEqual(splitter.push(Buffer.from('next\n')), ['next']);
	});

	it('flush completes a character cut at the end as U+FFFD', () => {
		const splitter = new LineSplitter();
		splitter.push(Buffer.from('€').subarray(0, 2));
		assert.equal(splitter.flush(), '\uFFFD');
		assert.deepEqual(splitter.push(Buffer.from('ok\n')), ['ok']);
	});

	it('caps lines at maxLength, also across chunks', () => {
		const splitter = new LineSplitter({maxLength: 4});
		assert.deepEqual(splitter.push(Buffer.from('abcdefgh\nxy')), ['abcd']);
		assert.deepEqual(splitter.push(Buffer.from('zzzz')), []);
		assert.deepEqual(splitter.push(Buffer.from('zz\n12\n123456')), ['xyzz', '12']);
		assert.equal(splitter.flush(), '1234');
	});

	it('keeps memory bounded for a huge line without newline', () => {
		const splitter = new LineSplitter({maxLength: 100});
		const chunk = Buffer.alloc(64 * 1024, 'a');
		for (let i = 0; i < 100; i++) {
			splitter.push(chunk);
		}

		assert.deepEqual(splitter.push(Buffer.from('\n')), ['a'.repeat(100)]);
	});

	// How fast is bench/log-write.ts's to say (side by side, not in a timed test): here, that a
	// 50 MiB stream of 64 KiB chunks comes out as exactly its lines.
	it('splits a 50 MiB stream of 64 KiB chunks into exactly its lines', () => {
		const line = 'x'.repeat(60) + ' some log line ✓\n';
		const chunk = Buffer.from(line.repeat(Math.floor(65_536 / Buffer.byteLength(line))));
		const splitter = new LineSplitter();
		const total = 50 * 1024 * 1024;
		let lines = 0;
		let chunks = 0;
		for (let done = 0; done < total; done += chunk.length) {
			lines += splitter.push(chunk).length;
			chunks++;
		}

		assert.equal(lines, chunks * Math.floor(65_536 / Buffer.byteLength(line)));
	});
});

describe('LineSplitter.pushKeeping', () => {
	it('keeps the last lines push would give and counts the rest, for any chunking of multi-byte, CRLF and long lines', () => {
		const text = Array.from({length: 400}, (_, i) => (i % 7 === 0 ? `é€😀 line ${i}\r` : i % 11 === 0 ? 'x'.repeat(300) : `line ${i}`)).join('\n') + '\npartial é';
		const bytes = Buffer.from(text);
		let seed = 3;
		const random = (n: number): number => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed % n;
		};

		for (let round = 0; round < 50; round++) {
			const keep = 1 + random(5);
			const whole = new LineSplitter({maxLength: 100});
			const keeping = new LineSplitter({maxLength: 100});
			for (let at = 0; at < bytes.length; ) {
				const end = Math.min(bytes.length, at + 1 + random(900));
				const chunk = bytes.subarray(at, end);
				const all = whole.push(chunk);
				const {lines, skipped} = keeping.pushKeeping(chunk, keep);
				assert.equal(skipped + lines.length, all.length, `round ${round}: counts`);
				assert.deepEqual(lines, all.slice(all.length - lines.length), `round ${round}: the kept lines`);
				assert.ok(lines.length <= Math.max(keep, 0) || skipped === 0);
				at = end;
			}

			assert.equal(keeping.flush(), whole.flush());
		}
	});
});
