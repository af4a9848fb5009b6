/**
 * `tm tasks`: the --state filter and the table's rows.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TmError} from '../../../src/core/errors.js';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {parseStates, tasksRow} from '../../../src/commands/tasks.js';
import {tm} from '../../helpers/cli.js';
import {taskStatus} from '../../helpers/task-status.js';

const base: TaskStatus = taskStatus('j-1', {kind: 'job', pid: 42, priority: 5});

describe('tm tasks', () => {
	it('takes states repeated or comma-separated, once each', () => {
		assert.deepEqual(parseStates(['queued', 'running,Failed', 'queued']), ['queued', 'running', 'failed']);
		assert.throws(
			() => parseStates(['runing']),
			(error: unknown) => error instanceof TmError && error.code === 'E_USAGE' && /unknown state "runing"; did you mean "running"\?; the states are queued, /.test(error.message),
		);
	});

	it('shows id, name, state, cause, pid, priority, attempt, progress and reason', () => {
		assert.deepEqual(tasksRow(base, 0), ['j-1', 'j-1', 'running', 'none', '42', '5', '1', '-', 'started']);
		assert.deepEqual(tasksRow({...base, program: 'backup'}, 0).slice(0, 2), ['j-1', 'backup']);
		assert.deepEqual(tasksRow({...base, progress: 42, progressText: 'copying 3/7'}, 0)[7], '42% copying 3/7');
		assert.deepEqual(tasksRow({...base, state: 'failed', cause: 'max_runtime', pid: null}, 0).slice(2, 4), ['failed', 'max_runtime'], 'a timeout tells from other failures');
		// The machine's reason names the whole delay; the countdown takes its place, once.
		assert.equal(tasksRow({...base, pid: null, state: 'backoff', reason: 'exit 1; retry 1/3 in 2s', backoffUntil: new Date(2000).toISOString()}, 1000)[8], 'exit 1; retry 1/3 in 1s');
		assert.equal(tasksRow({...base, pid: null, state: 'backoff', reason: 'exit 1; restart in 1874ms', backoffUntil: new Date(1874).toISOString()}, 874)[8], 'exit 1; restart in 1s');
		assert.deepEqual(tasksRow({...base, pid: null, state: 'backoff', reason: 'exit 1', backoffUntil: new Date(4000).toISOString()}, 1000).slice(4), [
			'-',
			'5',
			'1',
			'-',
			'exit 1; retry in 3s',
		]);
	});

	it('refuses an unknown --state with exit 2', async () => {
		const result = await tm(['tasks', '--state', 'bogus', '--home', '/nonexistent-tm-home']);
		assert.equal(result.code, 2);
		assert.match(result.err, /--state: unknown state "bogus"/);
	});
});
