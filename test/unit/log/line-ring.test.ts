import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {LineRing, MAX_RING_LINE_BYTES, TRUNCATION_MARKER, truncateLine} from '../../../src/core/log/line-ring.js';

function filled(capacity: number, count: number): LineRing {
	const ring = new LineRing(capacity);
	for (let i = 1; i <= count; i++) {
		ring.push({at: 1000 + i, stream: i % 2 === 0 ? 'stderr' : 'stdout', text: `line ${i}`});
	}

	return ring;
}

describe('LineRing', () => {
	it('numbers lines from 1 and keeps them in order', () => {
		const ring = new LineRing(5);
		assert.equal(ring.size, 0);
		assert.equal(ring.lastSeq, 0);
		const first = ring.push({at: 7, stream: 'stdout', text: 'a'});
		assert.deepEqual(first, {seq: 1, at: 7, stream: 'stdout', text: 'a'});
		ring.push({at: 8, stream: 'stderr', text: 'b'});
		assert.deepEqual(ring.tail(10), [first, {seq: 2, at: 8, stream: 'stderr', text: 'b'}]);
		assert.equal(ring.size, 2);
		assert.equal(ring.lastSeq, 2);
	});

	it('keeps only the last capacity lines, oldest first', () => {
		const ring = filled(3, 10);
		assert.equal(ring.size, 3);
		assert.equal(ring.capacity, 3);
		assert.deepEqual(ring.tail(3).map((line) => line.text), ['line 8', 'line 9', 'line 10']);
		assert.deepEqual(ring.tail(2).map((line) => line.seq), [9, 10]);
		assert.deepEqual(ring.tail(100).map((line) => line.seq), [8, 9, 10]);
		assert.deepEqual(ring.tail(0), []);
		assert.deepEqual(ring.tail(-1), []);
	});

	it('ignores a seq passed in', () => {
		const ring = new LineRing(2);
		const line = ring.push({seq: 99, at: 1, stream: 'stdout', text: 'x'} as never);
		assert.equal(line.seq, 1);
	});

	it('tail filters by stream', () => {
		const ring = filled(6, 10);
		assert.deepEqual(ring.tail(2, 'stdout').map((line) => line.seq), [7, 9]);
		assert.deepEqual(ring.tail(10, 'stderr').map((line) => line.seq), [6, 8, 10]);
	});

	it('since gives the lines after a seq that are still held', () => {
		const ring = filled(4, 10);
		assert.deepEqual(ring.since(8).map((line) => line.seq), [9, 10]);
		assert.deepEqual(ring.since(0).map((line) => line.seq), [7, 8, 9, 10]);
		assert.deepEqual(ring.since(6).map((line) => line.seq), [7, 8, 9, 10]);
		assert.deepEqual(ring.since(10), []);
		assert.deepEqual(ring.since(50), []);
		assert.deepEqual(new LineRing(3).since(0), []);
	});

	it('clear empties the ring but the sequence carries on', () => {
		const ring = filled(4, 6);
		ring.clear();
		assert.equal(ring.size, 0);
		assert.deepEqual(ring.tail(10), []);
		assert.deepEqual(ring.since(0), []);
		const line = ring.push({at: 1, stream: 'stdout', text: 'again'});
		assert.equal(line.seq, 7);
		assert.deepEqual(ring.since(6), [line]);
	});

	it('wraps correctly many times', () => {
		const ring = filled(7, 1000);
		assert.deepEqual(
			ring.tail(7).map((line) => line.seq),
			[994, 995, 996, 997, 998, 999, 1000],
		);
		assert.deepEqual(ring.since(997).map((line) => line.text), ['line 998', 'line 999', 'line 1000']);
	});

	it('rejects a capacity below 1', () => {
		assert.throws(() => new LineRing(0), RangeError);
		assert.throws(() => new LineRing(1.5), RangeError);
	});

	it('truncates lines longer than 16 KiB with a marker', () => {
		const ring = new LineRing(3);
		const fits = 'a'.repeat(MAX_RING_LINE_BYTES);
		assert.equal(ring.push({at: 1, stream: 'stdout', text: fits}).text, fits);
		const long = ring.push({at: 1, stream: 'stdout', text: 'b'.repeat(100_000)}).text;
		assert.ok(long.endsWith(TRUNCATION_MARKER));
		assert.ok(Buffer.byteLength(long) <= MAX_RING_LINE_BYTES);
		assert.ok(Buffer.byteLength(long) > MAX_RING_LINE_BYTES - 8);
		assert.equal(long.slice(0, -1), 'b'.repeat(long.length - 1));
	});

	it('never cuts a multi-byte character in two', () => {
		for (const char of ['é', '€', '😀']) {
			for (let pad = 0; pad < 4; pad++) {
				const text = 'x'.repeat(pad) + char.repeat(MAX_RING_LINE_BYTES);
				const cut = truncateLine(text);
				assert.ok(cut.endsWith(TRUNCATION_MARKER));
				assert.ok(!cut.includes('\uFFFD'), `${char} pad ${pad}`);
				assert.ok(Buffer.byteLength(cut) <= MAX_RING_LINE_BYTES);
				assert.ok(text.startsWith(cut.slice(0, -1)));
			}
		}

		// Just over the limit in bytes though not in characters.
		const borderline = '€'.repeat(5462);
		assert.ok(truncateLine(borderline).endsWith(TRUNCATION_MARKER));
		const inside = '€'.repeat(5461);
		assert.equal(truncateLine(inside), inside);
	});
});
