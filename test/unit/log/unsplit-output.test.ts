import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {LineRing, type LogLine} from '../../../src/core/log/line-ring.js';
import {LineSplitter} from '../../../src/core/log/line-splitter.js';
import {TaskLog} from '../../../src/core/log/task-log.js';
import {countLines, countLinesInJs, MAX_UNSPLIT_BYTES, UnsplitOutput} from '../../../src/core/log/unsplit-output.js';
import type {LogSpec} from '../../../src/core/model.js';

const plain: LogSpec = {maxSize: 0, backups: 0, timestamps: false};

let dir = '';
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-unsplit-'));
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

/** A deterministic pseudo-random sequence (no flaky seeds). */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state / 2_147_483_648;
	};
}

const pieces = ['a', 'é', '✓', '😀', '\r', ' ', 'line', '\n', '\n', '\r\n'];

/** Output with every kind of line: multi-byte characters, CRLF, empty lines, and a few past the ring's cut. */
function output(next: () => number, bytes: number): Buffer {
	const parts: string[] = [];
	for (let length = 0; length < bytes; ) {
		const part = next() < 0.01 ? 'x'.repeat(20_000) : (pieces[Math.floor(next() * pieces.length)] ?? '');
		parts.push(part);
		length += Buffer.byteLength(part);
	}

	return Buffer.from(parts.join(''));
}

type Step = {stream: 'stdout' | 'stderr'; at: number; chunk: Buffer};

/** The output cut into chunks anywhere (inside characters too), each at its own time, on either stream. */
function steps(seed: number, total: number, large = 9000): Step[] {
	const next = random(seed);
	const all = output(next, total);
	const list: Step[] = [];
	for (let at = 0, time = 1; at < all.length; time++) {
		const size = 1 + Math.floor(next() * (next() < 0.2 ? large : 300));
		list.push({stream: next() < 0.7 ? 'stdout' : 'stderr', at: time, chunk: Buffer.from(all.subarray(at, at + size))});
		at += size;
	}

	return list;
}

function make(ringSize: number, now: () => number): TaskLog {
	return new TaskLog({stdoutPath: join(dir, 'out.log'), stderrPath: join(dir, 'err.log'), spec: plain, ringSize, now});
}

describe('UnsplitOutput (lines split when the ring is read)', () => {
	it('counts lines natively as in JS', () => {
		for (const text of ['', 'a', '\n', 'a\nb\n\nc', '\n'.repeat(100_003)]) {
			assert.equal(countLines(Buffer.from(text)), countLinesInJs(Buffer.from(text)));
		}

		assert.equal(countLines(Buffer.from('xx\nyy\n').subarray(3)), 1);
	});

	for (const ringSize of [1, 7, 1000]) {
		it(`gives the ring, seqs and times an eager split gives (ring of ${ringSize}, read at random points)`, () => {
			for (const seed of [1, 2, 3]) {
				let now = 0;
				const lazy = make(ringSize, () => now);
				const eager = make(ringSize, () => now);
				lazy.open();
				eager.open();
				const seen: LogLine[] = [];
				eager.onLine((line) => seen.push(line));
				const next = random(seed + 100);
				for (const step of steps(seed, 400_000)) {
					now = step.at;
					lazy[step.stream](step.chunk);
					eager[step.stream](step.chunk);
					assert.equal(lazy.lastSeq, eager.lastSeq);
					if (next() < 0.02) {
						assert.deepEqual(lazy.tail(ringSize), eager.tail(ringSize));
					}
				}

				assert.deepEqual(lazy.tail(ringSize), eager.tail(ringSize));
				assert.deepEqual(lazy.tail(3, 'stderr'), eager.tail(3, 'stderr'));
				assert.deepEqual(lazy.since(eager.lastSeq - 2), eager.since(eager.lastSeq - 2));
				lazy.close();
				eager.close();
				assert.deepEqual(lazy.tail(ringSize), eager.tail(ringSize));
				assert.equal(seen.length, eager.lastSeq);
			}
		});
	}

	it('gives the ring an eager split gives when one chunk ends more lines than the ring holds (reads of up to 1 MiB)', () => {
		let now = 0;
		const lazy = make(1000, () => now);
		const eager = make(1000, () => now);
		lazy.open();
		eager.open();
		eager.onLine(() => {});
		for (const step of steps(7, 3_000_000, 1024 * 1024)) {
			now = step.at;
			lazy[step.stream](step.chunk);
			eager[step.stream](step.chunk);
			assert.equal(lazy.lastSeq, eager.lastSeq);
		}

		assert.deepEqual(lazy.tail(1000), eager.tail(1000));
		lazy.close();
		eager.close();
		assert.deepEqual(lazy.tail(1000), eager.tail(1000));
	});

	it('hands every line to a follower that joins mid-stream, after what came before it', () => {
		const log = make(5, () => 7);
		log.open();
		log.stdout(Buffer.from('one\ntwo\nthr'));
		assert.equal(log.lastSeq, 2);
		const got: LogLine[] = [];
		log.onLine((line) => got.push(line));
		log.stdout(Buffer.from('ee\nfour\n'));
		assert.deepEqual(got, [
			{seq: 3, at: 7, stream: 'stdout', text: 'three'},
			{seq: 4, at: 7, stream: 'stdout', text: 'four'},
		]);
		assert.deepEqual(log.tail(5).map((line) => line.text), ['one', 'two', 'three', 'four']);
		log.close();
		assert.equal(readFileSync(join(dir, 'out.log'), 'utf8'), 'one\ntwo\nthree\nfour\n');
	});

	it('copies what it holds: a chunk buffer the reader reuses changes nothing', () => {
		const log = make(10, () => 1);
		log.open();
		const buffer = Buffer.alloc(6);
		for (const text of ['one\ntw', 'o\nthre', 'e\n']) {
			const length = buffer.write(text);
			log.stdout(buffer.subarray(0, length));
			buffer.fill(0x7a);
		}

		assert.deepEqual(log.tail(10).map((line) => line.text), ['one', 'two', 'three']);
		log.close();
	});

	it('splits output without newlines once it holds more than its bound', () => {
		const ring = new LineRing(10);
		const splitters = {stdout: new LineSplitter({maxLength: 100}), stderr: new LineSplitter()};
		const unsplit = new UnsplitOutput(ring, splitters);
		for (let i = 0; i * 64 * 1024 <= MAX_UNSPLIT_BYTES + 64 * 1024; i++) {
			unsplit.add('stdout', 1, Buffer.alloc(64 * 1024, 0x61));
		}

		// Split: the splitter holds at most its maxLength of the unfinished line, not megabytes.
		assert.equal(unsplit.lastSeq, 0);
		assert.equal(splitters.stdout.flush(), 'a'.repeat(100));
	});
});
