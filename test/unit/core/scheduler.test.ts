import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {byPriority, TaskQueue, type Candidate} from '../../../src/core/scheduler.js';

const ids = (candidates: Candidate[]): string[] => candidates.map(c => c.id);

describe('the task queue', () => {
	it('gives the highest priority first, first come first served among equals, and keeps what it gives', () => {
		const queue = new TaskQueue();
		queue.add({id: 'a', priority: 0, seq: 1});
		queue.add({id: 'b', priority: 10, seq: 2});
		queue.add({id: 'c', priority: 10, seq: 0});
		queue.add({id: 'd', priority: -5, seq: 3});
		assert.deepEqual(ids(queue.best(2, () => 'take')), ['c', 'b']);
		assert.deepEqual(ids(queue.best(10, () => 'take')), ['c', 'b', 'a', 'd']);
		assert.equal(queue.size, 4);
		assert.deepEqual(ids(queue.best(0, () => 'take')), []);
	});

	it('names a priority no queued task is above: the top, until a task that left surfaces', () => {
		const queue = new TaskQueue();
		assert.equal(queue.topPriority, null);
		queue.add({id: 'a', priority: 1, seq: 0});
		queue.add({id: 'b', priority: 7, seq: 1});
		assert.equal(queue.topPriority, 7);
		queue.delete('b');
		assert.ok((queue.topPriority ?? 0) >= 1, 'an upper bound while b is still in the heap');
		assert.deepEqual(ids(queue.best(5, () => 'take')), ['a']);
		assert.equal(queue.topPriority, 1);
	});

	it('passes over skipped candidates, forgets dropped ones and deleted ones, and takes a re-added task at its new place', () => {
		const queue = new TaskQueue();
		for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
			queue.add({id, priority: 0, seq: i});
		}

		assert.deepEqual(ids(queue.best(2, c => (c.id === 'a' ? 'skip' : c.id === 'b' ? 'drop' : 'take'))), ['c', 'd']);
		assert.equal(queue.has('b'), false);
		assert.equal(queue.has('a'), true);
		queue.delete('c');
		queue.delete('a');
		queue.add({id: 'a', priority: 0, seq: 9});
		assert.deepEqual(ids(queue.best(10, () => 'take')), ['d', 'a']);
		assert.deepEqual([...queue.ids()].sort(), ['a', 'd']);
	});

	it('agrees with a full sort for any mix of priorities, deletions and slots', () => {
		let seed = 7;
		const random = (n: number): number => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed % n;
		};

		for (let round = 0; round < 200; round++) {
			const queue = new TaskQueue();
			const members = new Map<string, Candidate>();
			for (let step = 0; step < 60; step++) {
				const id = `t${random(30)}`;
				if (random(3) === 0) {
					queue.delete(id);
					members.delete(id);
				} else if (!members.has(id)) {
					const candidate = {id, priority: random(5) * 10 - 20, seq: step};
					queue.add(candidate);
					members.set(id, candidate);
				}
			}

			const n = random(12);
			assert.deepEqual(ids(queue.best(n, () => 'take')), ids([...members.values()].sort(byPriority).slice(0, n)), `round ${round}`);
		}
	});
});
