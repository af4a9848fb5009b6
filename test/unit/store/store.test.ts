import assert from 'node:assert/strict';
import {statSync} from 'node:fs';
import {describe, it} from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {TmError} from '../../../src/core/errors.js';
import type {RowProblem} from '../../../src/store/mappers.js';
import type {Store} from '../../../src/store/store.js';
import type {Batch, TaskRow} from '../../../src/store/types.js';
import {everyState, makeEvent, makeRunStart, makeTask, storePerTest} from '../../helpers/store-fixtures.js';

let store: Store;
let folder = '';
storePerTest((opened, dir) => {
	store = opened;
	folder = dir;
});

const batch = (parts: Partial<Batch>): Batch => ({tasks: [], runStarts: [], runEnds: [], events: [], ...parts});

/** One task per TaskState variant, jobs and services, in reverse queue order. */
function tasksInEveryState(): TaskRow[] {
	return everyState.map((state, index) =>
		makeTask(`task-${state.kind}`, {
			kind: index % 2 === 0 ? 'job' : 'service',
			queueSeq: everyState.length - index,
			record: {state, cause: 'none', want: index % 3 === 0 ? 'down' : 'up', restarts: index, attempt: index + 1, failures: index % 2, crashes: 0, upSince: index % 2 === 0 ? null : 1000 + index},
			info:
				index % 2 === 0
					? {progress: null, progressText: null, status: null, checkpoint: null, heartbeatAt: null}
					: {progress: index / 10, progressText: `${index}/10`, status: `step ${index}`, checkpoint: `{"i":${index}}`, heartbeatAt: 2000 + index},
			finishedAt: ['completed', 'failed', 'fatal'].includes(state.kind) ? 1500 + index : null,
		}),
	);
}

describe('Store', () => {
	it('round-trips a task in every state through writeBatch and loadTasks, in queue order', () => {
		const tasks = tasksInEveryState();
		store.writeBatch(batch({tasks}));
		const loaded = store.loadTasks();
		assert.deepEqual(loaded, [...tasks].sort((a, b) => a.queueSeq - b.queueSeq));
		assert.equal(new Set(loaded.map((task) => task.record.state.kind)).size, everyState.length);
	});

	it('upserts: a later write of the same task replaces every field', () => {
		const first = makeTask('web');
		store.writeBatch(batch({tasks: [first]}));
		const second = makeTask('web', {
			record: {...first.record, state: {kind: 'backoff', since: 3000, reason: 'exited', until: 4000, lastExit: {code: 2, signal: null, at: 3000}}, restarts: 9, restartTimes: [2000, 3000]},
			info: {progress: null, progressText: null, status: 'down', checkpoint: null, heartbeatAt: null},
			updatedAt: 3000,
			queueSeq: 7,
		});
		store.writeBatch(batch({tasks: [second]}));
		assert.deepEqual(store.loadTasks(), [second], 'the restarts counted for max_restarts too');
	});

	it('records a run start and its end, and history lists runs and events newest first', () => {
		store.writeBatch(batch({tasks: [makeTask('web')], runStarts: [makeRunStart('web', 101, 1000)], events: [makeEvent('web', 1000, 'spawn')]}));
		const [open] = store.openRuns();
		assert.deepEqual(open, {id: open?.id, taskId: 'web', attempt: 1, pid: 101, pidStart: '123456', bootId: 'boot-1', startedAt: 1000, endedAt: null, exitCode: null, exitSignal: null, reason: null});
		store.writeBatch(
			batch({
				runEnds: [{taskId: 'web', pid: 101, endedAt: 2000, exitCode: null, exitSignal: 'SIGTERM', reason: 'stopped by request'}],
				runStarts: [makeRunStart('web', 102, 2100)],
				events: [makeEvent('web', 2000, 'exit'), makeEvent(null, 2050, 'reload')],
			}),
		);
		const history = store.history('web', 10);
		assert.deepEqual(
			history.runs.map((run) => [run.pid, run.endedAt, run.exitCode, run.exitSignal, run.reason]),
			[
				[102, null, null, null, null],
				[101, 2000, null, 'SIGTERM', 'stopped by request'],
			],
		);
		assert.deepEqual(history.events.map((event) => [event.type, event.at, event.taskId]), [
			['exit', 2000, 'web'],
			['spawn', 1000, 'web'],
		]);
		assert.deepEqual(history.events[0]?.data, makeEvent('web', 0).data);
		assert.deepEqual(store.openRuns().map((run) => run.pid), [102]);
		assert.equal(store.history('web', 1).runs.length, 1);
		assert.equal(store.history('web', 1).events.length, 1);
		assert.deepEqual(store.history('web', -1), {runs: [], events: []});
		assert.deepEqual(store.history('nobody', 10), {runs: [], events: []});
		assert.deepEqual(store.counts(), {tasks: 1, runs: 2, events: 3});
	});

	it('applies a run end started in the same batch, and ignores an end that matches no open run', () => {
		store.writeBatch(
			batch({
				tasks: [makeTask('job', {kind: 'job'})],
				runStarts: [makeRunStart('job', 7)],
				runEnds: [
					{taskId: 'job', pid: 7, endedAt: 1010, exitCode: 0, exitSignal: null, reason: 'exited with code 0'},
					{taskId: 'job', pid: 8, endedAt: 1010, exitCode: 0, exitSignal: null, reason: 'no such run'},
				],
			}),
		);
		assert.deepEqual(store.openRuns(), []);
		store.writeBatch(batch({runEnds: [{taskId: 'job', pid: 7, endedAt: 9999, exitCode: 1, exitSignal: null, reason: 'again'}]}));
		assert.deepEqual(store.history('job', 5).runs.map((run) => [run.endedAt, run.exitCode, run.reason]), [[1010, 0, 'exited with code 0']]);
	});

	it('closes an open run by id, once', () => {
		store.writeBatch(batch({tasks: [makeTask('web')], runStarts: [makeRunStart('web', 55)]}));
		const [run] = store.openRuns();
		assert.ok(run);
		const end = {endedAt: 5000, exitCode: null, exitSignal: null, reason: 'gone after a daemon restart'};
		assert.equal(store.closeRun(run.id, end), true);
		assert.equal(store.closeRun(run.id, {...end, reason: 'twice'}), false);
		assert.deepEqual(store.history('web', 1).runs[0], {...run, endedAt: 5000, reason: 'gone after a daemon restart'});
	});

	it('keeps meta values', () => {
		assert.equal(store.getMeta('boot'), null);
		store.setMeta('boot', 'a');
		store.setMeta('boot', 'b');
		assert.equal(store.getMeta('boot'), 'b');
	});

	it('deletes a task with its runs and events', () => {
		store.writeBatch(
			batch({
				tasks: [makeTask('a'), makeTask('b')],
				runStarts: [makeRunStart('a', 1), makeRunStart('b', 2)],
				events: [makeEvent('a', 1), makeEvent('b', 2), makeEvent(null, 3)],
			}),
		);
		assert.equal(store.deleteTask('a'), true);
		assert.equal(store.deleteTask('a'), false);
		assert.deepEqual(store.counts(), {tasks: 1, runs: 1, events: 2});
		assert.deepEqual(store.history('a', 10), {runs: [], events: []});
	});

	it('writes a batch atomically: a foreign key failure in the middle rolls everything back', () => {
		store.writeBatch(batch({tasks: [makeTask('before')]}));
		const failing = batch({
			tasks: [makeTask('web'), makeTask('before', {queueSeq: 99})],
			runStarts: [makeRunStart('web', 1)],
			events: [makeEvent('web', 1), makeEvent('ghost', 2), makeEvent('web', 3)],
		});
		assert.throws(
			() => store.writeBatch(failing),
			(error: unknown) => {
				assert.ok(error instanceof TmError);
				assert.equal(error.code, 'E_STORE');
				assert.equal(error.message, `cannot write ${store.file}: FOREIGN KEY constraint failed`);
				assert.equal((error.cause as {code?: string}).code, 'SQLITE_CONSTRAINT_FOREIGNKEY');
				return true;
			},
		);
		assert.deepEqual(store.counts(), {tasks: 1, runs: 0, events: 0});
		assert.equal(store.loadTasks()[0]?.queueSeq, 1);
		store.writeBatch(batch({tasks: [makeTask('web')], events: [makeEvent('web', 1)]}));
		assert.deepEqual(store.counts(), {tasks: 2, runs: 0, events: 1});
	});

	it('reports a row whose JSON does not parse by its id and goes on', () => {
		store.writeBatch(batch({tasks: [makeTask('good', {queueSeq: 1}), makeTask('bad', {queueSeq: 2})], events: [makeEvent('good', 1), makeEvent('good', 2)]}));
		const raw = new BetterSqlite3(store.file);
		raw.exec(`UPDATE tasks SET spec = '{"id":' WHERE id = 'bad'`);
		const badEvent = raw.prepare<[], number>(`SELECT max(id) FROM events`).pluck().get();
		raw.exec(`UPDATE events SET data = 'nope' WHERE id = ${badEvent}`);
		raw.close();
		const problems: RowProblem[] = [];
		assert.deepEqual(store.loadTasks((problem) => problems.push(problem)).map((task) => task.id), ['good']);
		assert.deepEqual(store.history('good', 10, (problem) => problems.push(problem)).events.map((event) => event.at), [1]);
		assert.equal(problems.length, 2);
		assert.deepEqual([problems[0]?.table, problems[0]?.id], ['tasks', 'bad']);
		assert.match(problems[0]?.message ?? '', /^task bad: spec is not valid JSON \(/);
		assert.deepEqual(problems[1], {table: 'events', id: String(badEvent), message: `event ${badEvent}: data is not valid JSON (${jsonError('nope')})`});
	});

	it('creates its folder with mode 0700', () => {
		assert.equal(statSync(folder).mode & 0o777, 0o700);
	});
});

function jsonError(text: string): string {
	try {
		JSON.parse(text);
		return '';
	} catch (error) {
		return (error as Error).message;
	}
}
