/**
 * `tm status` rows: a finished task says how it ended, not what its process last said.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {statusRow} from '../../../src/commands/status.js';
import {taskStatus} from '../../helpers/task-status.js';

const info = 8;

describe('tm status INFO', () => {
	it('is the outcome of a finished task, and what a live one says', () => {
		const said = {status: 'tick 41', progress: 90, progressText: 'copying 9 of 10', heartbeatAt: new Date(0).toISOString()};
		assert.equal(statusRow(taskStatus('report', {...said, state: 'running', pid: 7}), 1000)[info], 'tick 41');
		for (const state of ['completed', 'failed', 'fatal', 'stopped'] as const) {
			const row = statusRow(taskStatus('report', {...said, state, pid: null, reason: `exit 3 (${state})`}), 1000);
			assert.equal(row[info], `exit 3 (${state})`, state);
			assert.equal(row[7], '-', `${state}: no heartbeat age ticking`);
		}
	});
});
