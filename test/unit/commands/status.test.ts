/**
 * `tm status` rows: a finished task says how it ended, not what its process last said; a job's
 * label comes first. `tm show` has the label on a line of its own.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {showRows} from '../../../src/commands/show.js';
import {statusRow} from '../../../src/commands/status.js';
import type {TaskDetail} from '../../../src/core/ipc/methods.js';
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

	it("starts with a job's label, which tm show has on a line of its own", () => {
		const job = taskStatus('j-1', {kind: 'job', label: 'nightly <backup>', reason: 'started'});
		assert.equal(statusRow(job, 1000)[info], 'nightly <backup> — started');
		assert.equal(statusRow(taskStatus('web'), 1000)[info], 'started', 'no label, as before');
		const detail = (fields: Partial<TaskDetail>): TaskDetail => ({
			...taskStatus('j-1', {kind: 'job'}),
			argv: ['true'], user: null, autorestart: 'never', exitcodes: [0], stopsignal: 'SIGTERM', stoptimeMs: 10_000, maxRuntimeMs: null, maxMemory: null,
			logs: {stdout: '/l/j-1.out.log', stderr: '/l/j-1.err.log'}, dependsOn: {}, schedule: null, numprocs: null,
			...fields,
		});
		assert.deepEqual(showRows(detail({label: 'nightly <backup>'}))[1], ['label', 'nightly <backup>']);
		assert.ok(!showRows(detail({})).some(([field]) => field === 'label'));
	});
});
