/**
 * Which task processes found in /proc a daemon stops as starts its predecessor never recorded.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {unrecordedStarts, type TaskProcess} from '../../../src/core/process/unrecorded.js';

const found: TaskProcess[] = [
	{pid: 101, pidStart: '5000', taskId: 'j-new', attempt: 1},
	{pid: 102, pidStart: '5000', taskId: 'web', attempt: 3},
	{pid: 103, pidStart: '4000', taskId: 'j-old', attempt: 1},
	{pid: 104, pidStart: '4500', taskId: 'web', attempt: 2},
];
const recorded = new Set(['web/2']);
const hasRun = (taskId: string, attempt: number): boolean => recorded.has(`${taskId}/${attempt}`);

describe('unrecordedStarts', () => {
	it('takes processes started after the previous daemon for an attempt with no run row', () => {
		assert.deepEqual(
			unrecordedStarts(found, '4500', hasRun).map(p => p.pid),
			[101, 102],
			'103 started before that daemon; 104 is a recorded run (a process its task left in a session of its own)',
		);
	});

	it('takes none when the previous daemon is unknown (an older home, or after a reboot)', () => {
		assert.deepEqual(unrecordedStarts(found, null, hasRun), []);
		assert.deepEqual(unrecordedStarts(found, '', hasRun), []);
	});
});
