import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {initialRecord} from '../../../src/core/machine.js';
import type {TaskRecord, TaskState} from '../../../src/core/model.js';
import type {RunRow, TaskRow} from '../../../src/core/ports.js';
import {planRecovery, type RecoveryInput} from '../../../src/core/recovery.js';
import {makeSpec} from '../../helpers/spec.js';

const now = 2_000_000;
const web = makeSpec({id: 'web', program: 'web'});

function row(id: string, state: TaskState, changes: Partial<TaskRecord> = {}, kind: 'service' | 'job' = 'service'): TaskRow {
	const spec = makeSpec({id, program: id, kind});
	return {
		id,
		kind,
		program: id,
		spec,
		record: {...initialRecord(1000), state, want: 'up', restarts: 7, attempt: 8, crashes: 3, ...changes},
		info: {progress: null, progressText: null, status: null, checkpoint: 'ck-1', heartbeatAt: null},
		priority: 0,
		queueSeq: 5,
		createdAt: 1000,
		updatedAt: 1500,
		finishedAt: null,
	};
}

function run(taskId: string, pid: number, bootId = 'boot-a'): RunRow {
	return {id: 1, taskId, attempt: 8, pid, pidStart: '12345', bootId, startedAt: 1000, endedAt: null, exitCode: null, exitSignal: null, reason: null};
}

function plan(overrides: Partial<RecoveryInput>) {
	return planRecovery({specs: [web], rows: [], openRuns: [], bootId: 'boot-a', lastBootId: 'boot-a', now, forgetBefore: now - 60_000, isAlive: () => true, ...overrides});
}

const running: TaskState = {kind: 'running', since: 1000, reason: 'started', pid: 42};

describe('planRecovery', () => {
	it('a new task autostarts', () => {
		const [task] = plan({}).tasks;
		assert.equal(task?.then, 'start');
	});

	it('a task running under a dead daemon: its live process is an orphan to stop, then it is queued with its counters', () => {
		const p = plan({rows: [row('web', running)], openRuns: [run('web', 42)]});
		const [task] = p.tasks;
		assert.equal(task?.then, 'enqueue');
		assert.equal(task?.record.state.kind, 'queued');
		assert.equal(task?.record.restarts, 7);
		assert.equal(task?.record.attempt, 8);
		assert.deepEqual(task?.orphans, [{pid: 42, pidStart: '12345', stopsignal: 'SIGTERM', stoptimeMs: 10_000}]);
		assert.equal(p.runEnds[0]?.reason, 'left running by a daemon that died; stopped');
		assert.match(String(p.events[0]?.data['reason']), /daemon restarted while running; starting again; stopping pid 42/);
	});

	it('a program removed by a reload and back in the config starts afresh, not stopped by hand', () => {
		const removed: TaskState = {kind: 'stopped', since: 1000, reason: 'removed from the config (reload)', lastExit: null};
		const [task] = plan({rows: [row('web', removed, {want: 'down'})]}).tasks;
		assert.equal(task?.then, 'start');
		assert.equal(task?.record.restarts, 0);
		const [byHand] = plan({rows: [row('web', {...removed, reason: 'stopped'}, {want: 'down'})]}).tasks;
		assert.equal(byHand?.then, 'none');
	});

	it('a pid that is no longer the same process is not an orphan', () => {
		const p = plan({rows: [row('web', running)], openRuns: [run('web', 42)], isAlive: () => false});
		assert.deepEqual(p.tasks[0]?.orphans, []);
		assert.equal(p.runEnds[0]?.reason, 'daemon died; process gone');
	});

	it('after a reboot every recorded pid is stale', () => {
		const p = plan({rows: [row('web', running)], openRuns: [run('web', 42)], lastBootId: 'boot-old', bootId: 'boot-new'});
		assert.equal(p.rebooted, true);
		assert.deepEqual(p.tasks[0]?.orphans, []);
		assert.equal(p.runEnds[0]?.reason, 'machine rebooted');
		assert.equal(p.tasks[0]?.then, 'enqueue');
	});

	it('a task a person stopped stays stopped, even with autostart, also after a reboot', () => {
		const stopped: TaskState = {kind: 'stopped', since: 1000, reason: 'stopped by request', lastExit: null};
		for (const lastBootId of ['boot-a', 'boot-old']) {
			const [task]: ReturnType<typeof plan>["tasks"] = plan({rows: [row('web', stopped, {want: 'down'})], lastBootId}).tasks;
			assert.equal(task?.then, 'none');
			assert.equal(task?.record.state.kind, 'stopped');
		}
	});

	it('a task stopped by a daemon shutdown (want up) comes back', () => {
		const stopped: TaskState = {kind: 'stopped', since: 1000, reason: 'daemon shutting down', lastExit: null};
		assert.equal(plan({rows: [row('web', stopped)]}).tasks[0]?.then, 'start');
	});

	it('a job stopped by a daemon shutdown is queued again with its attempt', () => {
		const stopped: TaskState = {kind: 'stopped', since: 1000, reason: 'daemon shutting down', lastExit: null};
		const [task]: ReturnType<typeof plan>['tasks'] = plan({specs: [], rows: [row('j-1', stopped, {}, 'job')]}).tasks;
		assert.equal(task?.then, 'enqueue');
		assert.equal(task?.record.state.kind, 'queued');
		assert.equal(task?.record.attempt, 8);
	});

	it('a backoff continues on its schedule', () => {
		const backoff: TaskState = {kind: 'backoff', since: 1000, reason: 'exit 1', until: now + 5000, lastExit: null};
		const [task] = plan({rows: [row('web', backoff)]}).tasks;
		assert.equal(task?.then, 'arm-timer');
		assert.equal(task?.record.state, backoff);
		assert.equal(task?.record.crashes, 3);
	});

	it('a fatal service stays fatal after a daemon restart and starts afresh after a reboot', () => {
		const fatal: TaskState = {kind: 'fatal', since: 1000, reason: 'gave up', lastExit: null};
		assert.equal(plan({rows: [row('web', fatal)]}).tasks[0]?.then, 'none');
		assert.equal(plan({rows: [row('web', fatal)], lastBootId: 'boot-old'}).tasks[0]?.then, 'start');
	});

	it('a delayed job keeps its time: its timer is armed again, it is not queued for a slot', () => {
		const delayed: TaskState = {kind: 'queued', since: 1000, reason: 'submitted; delayed until …', eligibleAt: now + 60_000};
		const [task] = plan({specs: [], rows: [row('j-1', delayed, {}, 'job')]}).tasks;
		assert.equal(task?.then, 'arm-timer');
		assert.deepEqual(task?.record.state, delayed);
	});

	it('a job failed by hand while it stopped stays failed (its leftover process is stopped), never queued again', () => {
		const failing: TaskState = {kind: 'stopping', since: 1000, reason: 'failed by hand: bad input', pid: 42, killAt: 2000, then: 'fail'};
		const p = plan({specs: [], rows: [row('j-1', failing, {cause: 'dead_letter'}, 'job')], openRuns: [run('j-1', 42)]});
		const [task] = p.tasks;
		assert.equal(task?.then, 'none');
		assert.equal(task?.record.state.kind, 'failed');
		assert.equal(task?.record.cause, 'dead_letter');
		assert.match(task?.record.state.reason ?? '', /^failed by hand: bad input; daemon restarted while stopping; stopping pid 42/);
		assert.equal(task?.orphans.length, 1);
	});

	it('jobs come back from their rows: running ones queued with checkpoint and attempt, queued ones keep their place', () => {
		const queued: TaskState = {kind: 'queued', since: 1000, reason: 'submitted', eligibleAt: null};
		const rows = [row('j-1', running, {}, 'job'), {...row('j-2', queued, {}, 'job'), queueSeq: 9}];
		const p = plan({specs: [], rows, openRuns: [run('j-1', 42)], isAlive: () => false});
		const byId = new Map(p.tasks.map(t => [t.spec.id, t]));
		assert.equal(byId.get('j-1')?.then, 'enqueue');
		assert.equal(byId.get('j-1')?.info.checkpoint, 'ck-1');
		assert.equal(byId.get('j-1')?.record.attempt, 8);
		assert.equal(byId.get('j-2')?.then, 'enqueue');
		assert.equal(byId.get('j-2')?.queueSeq, 9);
	});

	it('a job finished before retention.finished stays out of the live list (its row is kept for tm history); one finished since comes back', () => {
		const completed: TaskState = {kind: 'completed', since: 1000, reason: 'exited 0', lastExit: {code: 0, signal: null, at: 1000}};
		const rows = [
			{...row('j-old', completed, {}, 'job'), finishedAt: now - 60_001},
			{...row('j-cut', completed, {}, 'job'), finishedAt: now - 60_000},
			{...row('j-new', completed, {}, 'job'), finishedAt: now - 5},
		];
		assert.deepEqual(plan({specs: [], rows}).tasks.map(t => t.spec.id), ['j-cut', 'j-new']);
	});

	it('a leftover process of a program no longer in the config is stopped and not restarted', () => {
		const p = plan({specs: [], rows: [row('old', running)], openRuns: [run('old', 77)]});
		assert.deepEqual(p.tasks, []);
		assert.equal(p.strayOrphans[0]?.pid, 77);
	});
});
