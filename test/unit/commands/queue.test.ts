/**
 * `tm queue`: a waiting task as a row, the depth line and the capacity line.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {capacityLine, depthLine, queueRow} from '../../../src/commands/queue.js';
import type {QueueDoc, QueueEntryDoc} from '../../../src/core/ipc/methods.js';

const G = 1024 ** 3;
const entry: QueueEntryDoc = {
	id: 'j-1',
	name: 'etl',
	priority: 5,
	requires: {memory: 2 * G, cpu: 1.5},
	eligibleAt: null,
	queuedAt: new Date(1000).toISOString(),
	reason: 'waiting for 2G memory: 1.2G of 12G unclaimed',
	cause: 'capacity',
};

describe('tm queue', () => {
	it('a row: position, id, name, priority, requests, eligible time, time waited, reason', () => {
		assert.deepEqual(queueRow(entry, 1, 4000), ['1', 'j-1', 'etl', '5', '2G', '1.5', '-', '3s', 'waiting for 2G memory: 1.2G of 12G unclaimed']);
		const plain = queueRow({...entry, requires: {memory: 0, cpu: 0}, eligibleAt: new Date(65_000).toISOString()}, 2, 5000);
		assert.deepEqual(plain.slice(4, 7), ['-', '-', 'in 1m00s']);
	});

	it('says the depth by priority and what the capacity has claimed', () => {
		const doc: QueueDoc = {tasks: [entry, {...entry, id: 'j-2', priority: 0}], depth: [{priority: 5, count: 1}, {priority: 0, count: 1}], capacity: {slots: 4, memory: 12 * G, cpu: 4, claimed: {slots: 3, memory: 10.8 * G, cpu: 2}}};
		assert.equal(depthLine(doc.depth), '2 waiting: priority 5: 1, priority 0: 1');
		assert.equal(depthLine([]), 'nothing is waiting');
		assert.equal(capacityLine(doc.capacity), 'slots 3/4 · memory 11G of 12G claimed · CPUs 2 of 4 claimed');
		assert.equal(capacityLine({slots: null, memory: null, cpu: null, claimed: {slots: 2, memory: G, cpu: 0}}), 'slots 2 · memory 1G claimed · CPUs 0 claimed');
	});
});
