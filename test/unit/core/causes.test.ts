/** The machine decides every transition's cause: the stable word clients read instead of `reason`. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {initialRecord, transition, type TaskEvent} from '../../../src/core/machine.js';
import type {TaskRecord, TaskSpec} from '../../../src/core/model.js';
import {makeSpec} from '../../helpers/spec.js';

const t0 = 1_000_000;

/** Runs `events` from a fresh task; the cause after each. */
function causes(events: TaskEvent[], spec: TaskSpec = makeSpec({starttimeMs: 0})): string[] {
	let record: TaskRecord = initialRecord(t0);
	let now = t0;
	return events.map(event => {
		now += 1000;
		record = transition(record, event, spec, now).record;
		return `${record.state.kind}:${record.cause}`;
	});
}

describe('causes', () => {
	it('a person starts, the scheduler admits, the process runs and is stopped', () => {
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'stop'}, {type: 'exited', pid: 10, code: null, signal: 'SIGTERM'}]), [
			'queued:requested',
			'starting:admitted',
			'running:spawned',
			'stopping:requested',
			'stopped:requested',
		]);
	});

	it('an exit by itself is exit; a kill nobody asked for is signal', () => {
		const spec = makeSpec({starttimeMs: 0, autorestart: 'always'});
		assert.deepEqual(causes([{type: 'start', cause: 'config'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: 3, signal: null}], spec).at(-1), 'backoff:exit');
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: null, signal: 'SIGSEGV'}], spec).at(-1), 'backoff:signal');
	});

	it('an exit that leaves processes in the background is daemonized, and a failure even with code 0', () => {
		const program = makeSpec({starttimeMs: 0, autorestart: 'unexpected'});
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: 0, signal: null, daemonized: [11]}], program).at(-1), 'backoff:daemonized');
		const job = makeSpec({kind: 'job', starttimeMs: 0, retries: 0});
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: 0, signal: null, daemonized: [11, 12]}], job).at(-1), 'failed:daemonized');
		const starting = makeSpec({starttimeMs: 1000, startretries: 0});
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: 0, signal: null, daemonized: [11]}], starting).at(-1), 'fatal:daemonized');
	});

	it('a start that cannot happen (permanent) gives up at once, with no retry', () => {
		const program = makeSpec({startretries: 3});
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawn-failed', message: 'command not found: pythn3', permanent: true}], program).at(-1), 'fatal:spawn_failed');
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawn-failed', message: 'fork: EAGAIN'}], program).at(-1), 'backoff:spawn_failed');
	});

	it('a job out of max_runtime is failed at once (cause max_runtime), its retries unused, unless it retries on timeout; other faults use them', () => {
		const job = makeSpec({kind: 'job', starttimeMs: 0, retries: 2, autorestart: 'never'});
		const run: TaskEvent[] = [{type: 'start', cause: 'submitted'}, {type: 'admit'}, {type: 'spawned', pid: 10}];
		const timeout: TaskEvent[] = [...run, {type: 'fault', reason: 'max_runtime 2s', cause: 'max_runtime'}, {type: 'exited', pid: 10, code: null, signal: 'SIGTERM'}];
		assert.deepEqual(causes(timeout, job).slice(3), ['stopping:max_runtime', 'failed:max_runtime']);
		assert.deepEqual(causes(timeout, {...job, retryOnTimeout: true}).at(-1), 'backoff:max_runtime');
		const watchdog: TaskEvent[] = [...run, {type: 'fault', reason: 'watchdog: no heartbeat for 5s', cause: 'watchdog'}, {type: 'exited', pid: 10, code: null, signal: 'SIGTERM'}];
		assert.deepEqual(causes(watchdog, job).at(-1), 'backoff:watchdog');
		const program = makeSpec({starttimeMs: 0, autorestart: 'always'});
		assert.deepEqual(causes(timeout, program).at(-1), 'backoff:max_runtime', 'a program keeps its restart policy');
		const cancel: TaskEvent[] = [...run, {type: 'stop', reason: 'cancelled', cause: 'cancelled'}, {type: 'exited', pid: 10, code: null, signal: 'SIGTERM'}];
		assert.deepEqual(causes(cancel, job).slice(3), ['stopping:cancelled', 'stopped:cancelled']);
	});

	it('a liveness fault keeps its cause through stopping to backoff, and a SIGKILL does not change it', () => {
		const spec = makeSpec({starttimeMs: 0, autorestart: 'always', stoptimeMs: 10});
		assert.deepEqual(
			causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'fault', reason: 'watchdog: no heartbeat for 5s', cause: 'watchdog'}, {type: 'timer'}, {type: 'exited', pid: 10, code: null, signal: 'SIGKILL'}], spec).slice(3),
			['stopping:watchdog', 'stopping:watchdog', 'backoff:watchdog'],
		);
	});

	it('not ready in time is timeout, to the end of the start', () => {
		const spec = makeSpec({starttimeMs: 1000, ready: {kind: 'fd'}, startretries: 0});
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'timer'}, {type: 'exited', pid: 10, code: null, signal: 'SIGTERM'}], spec).slice(3), ['stopping:timeout', 'fatal:timeout']);
	});

	it('the queue says capacity or dependency; eviction says evicted; the backoff running out says so', () => {
		const spec = makeSpec({starttimeMs: 0, autorestart: 'always', priority: 1});
		assert.deepEqual(causes([{type: 'start', cause: 'submitted'}, {type: 'wait', reason: 'waiting for a slot (max_running 1)', cause: 'capacity'}], spec), ['queued:submitted', 'queued:capacity']);
		assert.deepEqual(causes([{type: 'start'}, {type: 'wait', reason: 'waiting for db (ready): db is starting', cause: 'dependency'}], spec).at(-1), 'queued:dependency');
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'evict', reason: 'evicted by x (priority 9 > 1)'}, {type: 'exited', pid: 10, code: 0, signal: null}], spec).slice(3), ['stopping:evicted', 'queued:evicted']);
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'exited', pid: 10, code: 1, signal: null}, {type: 'timer'}], spec).at(-1), 'queued:backoff_over');
	});

	it('a cancelled job, a shutdown and a spawn that failed', () => {
		const job = makeSpec({kind: 'job', starttimeMs: 0, retries: 0});
		assert.deepEqual(causes([{type: 'start', cause: 'submitted'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'stop', reason: 'cancelled', cause: 'cancelled'}], job).at(-1), 'stopping:cancelled');
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawned', pid: 10}, {type: 'stop', shutdown: true}]).at(-1), 'stopping:shutdown');
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawn-failed', message: 'command not found: x'}], job).at(-1), 'failed:spawn_failed');
	});

	it('a start that found no file descriptor, and the queue holding everyone for them, say descriptors', () => {
		const fds = 'waiting for file descriptors: limit 64 reached; raise LimitNOFILE / ulimit -n';
		assert.deepEqual(causes([{type: 'start'}, {type: 'admit'}, {type: 'spawn-failed', message: fds, wait: true}]).at(-1), 'queued:descriptors');
		assert.deepEqual(causes([{type: 'start'}, {type: 'wait', reason: fds, cause: 'descriptors'}]).at(-1), 'queued:descriptors');
	});
});
