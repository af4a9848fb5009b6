import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {admissions, byPriority, type Candidate} from '../../../src/core/scheduler.js';

const sorted = (queued: Candidate[], free: number): string[] => [...queued].sort(byPriority).slice(0, free).map(c => c.id);

describe('admissions', () => {
	it('admits the highest priority first, first come first served among equals, up to the free slots', () => {
		const queued = [
			{id: 'a', priority: 0, seq: 1},
			{id: 'b', priority: 10, seq: 2},
			{id: 'c', priority: 10, seq: 0},
			{id: 'd', priority: -5, seq: 3},
		];
		assert.deepEqual(admissions(queued, 0, 2), ['c', 'b']);
		assert.deepEqual(admissions(queued, 1, 2), ['c']);
		assert.deepEqual(admissions(queued, 2, 2), []);
		assert.deepEqual(admissions(queued, 5, 2), []);
		assert.deepEqual(admissions(queued, 0, null), ['c', 'b', 'a', 'd']);
		assert.deepEqual(admissions([], 0, 8), []);
	});

	it('picks the same tasks as a full sort, for any mix of priorities and slots', () => {
		let seed = 7;
		const random = (n: number): number => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed % n;
		};

		for (let round = 0; round < 300; round++) {
			const queued = Array.from({length: random(40)}, (_, i) => ({id: `t${i}`, priority: random(5) * 10 - 20, seq: random(1000) * 100 + i}));
			const capacity = random(12);
			const busy = random(capacity + 2);
			assert.deepEqual(admissions(queued, busy, capacity), sorted(queued, Math.max(0, capacity - busy)), `round ${round}`);
		}
	});
});
