import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {EventDoc} from '../../../src/core/ipc/methods.js';
import {EventJournal} from '../../../src/core/feed/journal.js';
import {taskStatus} from '../../helpers/task-status.js';

const doc = (seq: number): EventDoc => ({
	seq,
	at: new Date(seq * 1000).toISOString(),
	taskId: 'web',
	type: 'state',
	from: 'running',
	to: 'backoff',
	reason: `event ${seq}`,
	pid: null,
	restarts: seq,
	attempt: 1,
	exit: null,
	cause: 'exit',
	task: taskStatus('web', {state: 'backoff', restarts: seq}),
});

describe('event journal', () => {
	it('gives back what came after a seq, oldest first', () => {
		const journal = new EventJournal(5);
		assert.deepEqual(journal.since(0), {ok: true, events: []});
		for (let seq = 1; seq <= 3; seq++) {
			journal.push(doc(seq));
		}

		assert.deepEqual(journal.since(1), {ok: true, events: [doc(2), doc(3)]});
		assert.deepEqual(journal.since(0), {ok: true, events: [doc(1), doc(2), doc(3)]});
		assert.deepEqual(journal.since(3), {ok: true, events: []});
		assert.deepEqual(journal.tail(2), [doc(2), doc(3)]);
	});

	it('says when what was asked for is no longer kept, or was never seen (another daemon)', () => {
		const journal = new EventJournal(3);
		for (let seq = 1; seq <= 10; seq++) {
			journal.push(doc(seq));
		}

		assert.equal(journal.firstSeq, 8);
		assert.deepEqual(journal.since(7), {ok: true, events: [doc(8), doc(9), doc(10)]});
		assert.deepEqual(journal.since(6), {ok: false, why: 'events 7 to 7 are no longer kept'});
		assert.deepEqual(journal.since(2), {ok: false, why: 'events 3 to 7 are no longer kept'});
		assert.deepEqual(journal.since(11), {ok: false, why: 'event 11 is unknown here (the daemon restarted?); the last is 10'});
		assert.deepEqual(journal.tail(100), [doc(8), doc(9), doc(10)]);
	});

	it('starts at the engine seq it was created at', () => {
		const journal = new EventJournal(3, 40);
		assert.deepEqual(journal.since(40), {ok: true, events: []});
		assert.equal(journal.since(39).ok, false);
		journal.push(doc(41));
		assert.deepEqual(journal.since(40), {ok: true, events: [doc(41)]});
	});
});
