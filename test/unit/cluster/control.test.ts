/**
 * The pure parts of cluster control: a copy's end when `tm fail` was asked of it (dead, with the
 * asker's words; a lost lease still writes nothing), a running row whose owner froze its copy as
 * `paused`, and the lines a shipped tail answers `tm logs -n N --stderr` with.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Claim} from '../../../src/core/cluster/claims.js';
import {jobStatus} from '../../../src/core/cluster/docs.js';
import {pickLines} from '../../../src/core/cluster/job-logs.js';
import {outcomeOf} from '../../../src/core/cluster/local-job.js';
import type {JobRow} from '../../../src/core/cluster/queries.js';
import type {TaskEventRecord} from '../../../src/core/engine.js';
import type {LogLineDoc} from '../../../src/core/ipc/methods.js';

const claim = (more: Partial<Claim> = {}): Claim => ({id: 'c-1', token: '7', localId: 'c-1.7', attempt: 1, cancelAsked: false, ...more});
const ended = (to: TaskEventRecord['to'], cause: TaskEventRecord['cause'] = 'requested'): TaskEventRecord =>
	({seq: 1, at: 0, taskId: 'c-1.7', type: 'state', from: 'stopping', to, reason: 'failed by hand: from m1: bad', pid: null, restarts: 0, attempt: 1, exit: null, cause, task: {exitCode: null}}) as unknown as TaskEventRecord;

describe('a cluster copy that tm fail was asked of', () => {
	it('is written dead with the asker\'s words, however it ended', () => {
		for (const to of ['failed', 'stopped', 'fatal'] as const) {
			assert.deepEqual(
				{...outcomeOf(ended(to), claim({failAsked: 'from m1: bad'}), null)},
				{id: 'c-1', token: '7', exitCode: null, reason: 'failed by hand from m1: bad', checkpoint: null, state: 'dead'},
				to,
			);
		}
	});

	it('completed before the stop came: completed; its lease lost: nothing to write', () => {
		assert.equal(outcomeOf(ended('completed'), claim({failAsked: 'from m1'}), null)?.state, 'completed');
		assert.equal(outcomeOf(ended('stopped', 'lease_lost'), claim({failAsked: 'from m1'}), null), null);
		assert.equal(outcomeOf(ended('failed'), claim(), null)?.state, 'failed', 'without the ask, a failure is a failure');
	});
});

const row = (more: Partial<JobRow>): JobRow => ({
	id: 'c-1', seq: '1', name: 'job', params: {argv: ['true']}, priority: 0, pin: null, after: [], state: 'running', attempt: 1, max_attempts: 5, owner: 'm2', token: '7',
	lease_until: null, run_at: new Date(0), checkpoint: null, cancel_requested: false, exit_code: null, reason: 'claimed by m2', submitted_by: 'm1', created_at: new Date(0),
	started_at: new Date(0), ended_at: null, completions: 0, pause_requested: false, paused_at: null, fail_reason: null, ...more,
});

describe('a cluster job as a document', () => {
	it('running with its copy frozen is paused, saying where and since when', () => {
		const doc = jobStatus(row({pause_requested: true, paused_at: new Date('2026-12-06T00:00:00Z')}));
		assert.deepEqual([doc.state, doc.clusterState, doc.host, doc.reason], ['paused', 'paused', 'm2', 'paused on m2 since 2026-12-06T00:00:00.000Z']);
	});

	it('asked to pause but not frozen yet is still running; dead is fatal', () => {
		assert.equal(jobStatus(row({pause_requested: true})).state, 'running');
		assert.equal(jobStatus(row({state: 'dead', reason: 'failed by hand from m1'})).state, 'fatal');
	});
});

describe('a shipped tail as tm logs reads it', () => {
	const lines: LogLineDoc[] = [1, 2, 3, 4].map(n => ({seq: n, at: '2026-12-06T00:00:00.000Z', stream: n % 2 === 0 ? 'stderr' : 'stdout', text: `line ${n}`}));
	it('the last N lines of the stream asked for', () => {
		assert.deepEqual(pickLines(lines, 2, 'both').map(l => l.text), ['line 3', 'line 4']);
		assert.deepEqual(pickLines(lines, 5, 'stderr').map(l => l.text), ['line 2', 'line 4']);
		assert.deepEqual(pickLines(lines, 1, undefined).map(l => l.text), ['line 4']);
		assert.deepEqual(pickLines(lines, 0, 'both'), []);
	});
});
