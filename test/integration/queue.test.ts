/**
 * The queue with real processes: capacity, priority order, eviction, dependencies.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, it} from 'node:test';
import {daemonSpec, harness, type Harness} from '../helpers/harness.js';
import {jobSpec} from '../../src/core/jobs.js';
import type {RunParams} from '../../src/core/ipc/methods.js';
import {waitFor} from '../helpers/wait.js';

let h: Harness | undefined;
afterEach(async () => {
	await h?.cleanup();
	h = undefined;
});

const submit = (engine: Harness['engine'], id: string, params: Partial<RunParams> & {cmd: string}) =>
	engine.submit(jobSpec({argv: [params.cmd], shell: true, ...params}, id, daemonSpec()));

describe('the job queue', () => {
	it('a priority-90 job evicts a priority-10 one when full; the evicted one keeps its checkpoint and runs again after', async () => {
		h = harness([], {daemon: {maxRunning: 2}});
		const {engine} = h;
		const low = "echo CHECKPOINT=step-$TM_ATTEMPT >&3; trap 'exit 0' TERM; while :; do sleep 0.05; done";
		submit(engine, 'low-a', {cmd: low, priority: 10});
		submit(engine, 'low-b', {cmd: low, priority: 20});
		await h.waitState('low-a', 'running');
		await h.waitState('low-b', 'running');
		await waitFor(() => engine.get('low-a').info.checkpoint, c => c === 'step-1', {what: 'low-a checkpoint'});
		submit(engine, 'high', {cmd: 'sleep 0.3', priority: 90});
		await h.waitState('high', 'running');
		const evicted = h.events.find(e => e.taskId === 'low-a' && e.to === 'stopping');
		assert.equal(evicted?.reason, 'evicted by high (priority 90 > 10)');
		assert.equal(engine.get('low-b').record.state.kind, 'running', 'only the lowest priority is evicted');
		assert.equal(engine.get('low-a').record.state.kind, 'queued');
		assert.equal(engine.get('low-a').info.checkpoint, 'step-1', 'the checkpoint is kept');
		assert.equal(engine.get('low-a').record.attempt, 1, 'waiting, it shows the attempt that ran');
		assert.equal(engine.get('low-a').record.failures, 0, 'an eviction uses no retry');
		await h.waitState('high', 'completed');
		await h.waitState('low-a', 'running');
		// The next attempt: TM_ATTEMPT 2 tells the job an earlier run may have done some of the work.
		await waitFor(() => engine.get('low-a').info.checkpoint, c => c === 'step-2', {what: 'low-a ran again as attempt 2'});
	});

	it('1,000 queued jobs start in priority order, FIFO among equals', async () => {
		h = harness([], {daemon: {maxRunning: 1}});
		const {engine} = h;
		submit(engine, 'blocker', {cmd: 'sleep 0.5', priority: 1000});
		await h.waitState('blocker', 'running');
		const expected: string[] = [];
		for (let i = 0; i < 1000; i++) {
			const priority = (i * 7919) % 10;
			submit(engine, `j${i}`, {cmd: 'true', priority});
			expected.push(`${priority}:${String(i).padStart(4, '0')}`);
		}

		expected.sort((a, b) => Number(b.split(':')[0]) - Number(a.split(':')[0]) || a.localeCompare(b));
		await waitFor(() => engine.list().filter(t => t.record.state.kind === 'completed').length, n => n === 1001, {what: 'all jobs completed', timeout: 120_000});
		const started = h.events.filter(e => e.to === 'starting' && e.taskId.startsWith('j')).map(e => e.taskId);
		const order = started.map(id => {
			const i = Number(id.slice(1));
			return `${(i * 7919) % 10}:${String(i).padStart(4, '0')}`;
		});
		assert.deepEqual(order, expected);
	});

	it('a→b→c run in order; when a fails, b and c stay queued and say why', async () => {
		h = harness([]);
		const {engine} = h;
		const log = path.join(h.dir, 'order.log');
		submit(engine, 'a', {cmd: `echo a >> ${log}`});
		submit(engine, 'b', {cmd: `echo b >> ${log}`, after: ['a']});
		submit(engine, 'c', {cmd: `echo c >> ${log}`, after: ['b']});
		await h.waitState('c', 'completed');
		assert.equal(readFileSync(log, 'utf8'), 'a\nb\nc\n');

		submit(engine, 'fa', {cmd: 'exit 1'});
		submit(engine, 'fb', {cmd: 'true', after: ['fa']});
		submit(engine, 'fc', {cmd: 'true', after: ['fb']});
		await h.waitState('fa', 'failed');
		const fb = await waitFor(() => engine.get('fb').record.state, s => s.reason.includes('failed'), {what: 'fb to name the failure'});
		assert.equal(fb.kind, 'queued');
		assert.match(fb.reason, /^waiting for fa \(succeeded\): fa failed: exit 1/);
		const fc = engine.get('fc').record.state;
		assert.equal(fc.kind, 'queued');
		assert.match(fc.reason, /^waiting for fb \(succeeded\): fb queued/);
	});

	it('finished jobs leave the live list after retention, unless a queued task still waits on them', async () => {
		h = harness([]);
		const {engine} = h;
		submit(engine, 'done', {cmd: 'true'});
		submit(engine, 'broken', {cmd: 'exit 1'});
		submit(engine, 'blocked', {cmd: 'true', after: ['broken']});
		await h.waitState('done', 'completed');
		await h.waitState('broken', 'failed');
		assert.equal(engine.forgetFinishedJobs(Date.now() - 60_000), 0, 'nothing is older than the cut');
		assert.equal(engine.forgetFinishedJobs(Date.now() + 1), 1);
		assert.deepEqual(engine.list().map(t => t.id).sort(), ['blocked', 'broken'], 'broken stays: blocked still waits on it');
	});
});
