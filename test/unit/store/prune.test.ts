import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Store} from '../../../src/store/store.js';
import type {Batch} from '../../../src/store/types.js';
import {makeEvent, makeRunStart, makeTask, storePerTest} from '../../helpers/store-fixtures.js';

let store: Store;
storePerTest(opened => {
	store = opened;
});

const now = 1_000_000;
const finishedMs = 10_000;
const historyMs = 1000;
/** Finished jobs before this go. */
const finishedCut = now - finishedMs;
/** Ended runs and events before this go. */
const historyCut = now - historyMs;
const batch = (parts: Partial<Batch>): Batch => ({tasks: [], runStarts: [], runEnds: [], events: [], ...parts});
const ids = (): string[] => store.loadTasks().map((task) => task.id).sort();
const eventsOf = (taskId: string): number[] => store.history(taskId, 1000).events.map((event) => event.at).sort((a, b) => a - b);

function end(taskId: string, pid: number, endedAt: number): Batch['runEnds'][number] {
	return {taskId, pid, endedAt, exitCode: 0, exitSignal: null, reason: 'exited'};
}

describe('Store.prune', () => {
	it('removes exactly what is due, and nothing newer', () => {
		store.writeBatch(
			batch({
				tasks: [
					// Finished long ago: goes, with its recent runs and events (cascade).
					makeTask('old-job', {kind: 'job', finishedAt: finishedCut - 1}),
					// Finished exactly at the cut, recently, or still live: stay.
					makeTask('cut-job', {kind: 'job', finishedAt: finishedCut}),
					makeTask('new-job', {kind: 'job', finishedAt: now - 5}),
					makeTask('live-job', {kind: 'job', finishedAt: null}),
					// Services are never pruned by `finished`.
					makeTask('old-service', {kind: 'service', finishedAt: 1}),
				],
				runStarts: [
					makeRunStart('old-job', 1, now - 50),
					makeRunStart('old-service', 2, 10),
					makeRunStart('old-service', 3, historyCut - 500),
					makeRunStart('old-service', 4, 10),
					makeRunStart('live-job', 5, 20),
				],
				events: [
					makeEvent('old-job', now - 10),
					makeEvent('old-service', historyCut - 1),
					makeEvent('old-service', historyCut),
					makeEvent('old-service', now),
					makeEvent('live-job', 5),
					makeEvent(null, historyCut - 100),
					makeEvent(null, historyCut + 100),
				],
			}),
		);
		store.writeBatch(
			batch({
				runEnds: [end('old-job', 1, now - 40), end('old-service', 2, historyCut - 1), end('old-service', 3, historyCut)],
			}),
		);

		const result = store.prune({now, finishedMs, historyMs, batchSize: 100});

		assert.deepEqual(result, {tasks: 1, runs: 1, events: 3, more: false});
		assert.deepEqual(ids(), ['cut-job', 'live-job', 'new-job', 'old-service']);
		assert.deepEqual(store.history('old-job', 10), {runs: [], events: []});
		// Run 2 ended before the history cut; run 3 ended at it; runs 4 and 5 are open however old.
		assert.deepEqual(store.history('old-service', 10).runs.map((run) => run.pid), [4, 3]);
		assert.deepEqual(store.history('live-job', 10).runs.map((run) => run.pid), [5]);
		assert.deepEqual(eventsOf('old-service'), [historyCut, now]);
		assert.deepEqual(eventsOf('live-job'), []);
		assert.deepEqual(store.counts(), {tasks: 4, runs: 3, events: 3});
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 100}), {tasks: 0, runs: 0, events: 0, more: false});
	});

	it('keeps a job that left the live list as long as its history when retention.history is the longer', () => {
		const longHistory = {finishedMs: historyMs, historyMs: finishedMs};
		store.writeBatch(
			batch({
				tasks: [
					makeTask('left-job', {kind: 'job', finishedAt: now - 5000}),
					makeTask('gone-job', {kind: 'job', finishedAt: now - 10_001}),
				],
				runStarts: [makeRunStart('left-job', 1, now - 5100), makeRunStart('gone-job', 2, now - 10_100)],
				events: [makeEvent('left-job', now - 5000), makeEvent('gone-job', now - 10_001)],
			}),
		);
		store.writeBatch(batch({runEnds: [end('left-job', 1, now - 5000), end('gone-job', 2, now - 10_001)]}));

		assert.deepEqual(store.prune({now, ...longHistory, batchSize: 100}), {tasks: 1, runs: 0, events: 0, more: false});
		assert.deepEqual(ids(), ['left-job']);
		assert.deepEqual(store.history('left-job', 10).runs.map((run) => run.pid), [1]);
		assert.deepEqual(eventsOf('left-job'), [now - 5000]);
		assert.deepEqual(store.counts(), {tasks: 1, runs: 1, events: 1});
	});

	it('deletes at most batchSize rows of each kind per call, oldest first, and says when there is more', () => {
		const jobs = Array.from({length: 3}, (_, index) => makeTask(`job-${index}`, {kind: 'job', finishedAt: index}));
		store.writeBatch(
			batch({
				tasks: [makeTask('svc'), ...jobs],
				runStarts: Array.from({length: 5}, (_, index) => makeRunStart('svc', 100 + index, index)),
				events: Array.from({length: 25}, (_, index) => makeEvent('svc', 25 - index)),
			}),
		);
		store.writeBatch(batch({runEnds: Array.from({length: 5}, (_, index) => end('svc', 100 + index, 10 + index))}));

		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 10}), {tasks: 3, runs: 5, events: 10, more: true});
		assert.deepEqual(eventsOf('svc'), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 10}), {tasks: 0, runs: 0, events: 10, more: true});
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 10}), {tasks: 0, runs: 0, events: 5, more: false});
		assert.deepEqual(store.counts(), {tasks: 1, runs: 0, events: 0});
	});

	it('prunes finished jobs in batches too, and treats a batch size below 1 as 1', () => {
		store.writeBatch(batch({tasks: Array.from({length: 3}, (_, index) => makeTask(`job-${index}`, {kind: 'job', finishedAt: 3 - index}))}));
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 2}), {tasks: 2, runs: 0, events: 0, more: true});
		assert.deepEqual(ids(), ['job-0']);
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 0}), {tasks: 1, runs: 0, events: 0, more: true});
		assert.deepEqual(store.prune({now, finishedMs, historyMs, batchSize: 2}), {tasks: 0, runs: 0, events: 0, more: false});
	});
});
