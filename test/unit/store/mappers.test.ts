import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {eventFromRow, eventToRow, rowToTask, runFromRow, runStartToRow, taskToRow, type TaskSql} from '../../../src/store/mappers.js';
import {everyState, makeEvent, makeRunStart, makeTask} from '../../helpers/store-fixtures.js';

const badTask = (patch: Partial<TaskSql>) => rowToTask({...taskToRow(makeTask('web')), ...patch});

describe('store mappers', () => {
	it('map a task in every state to a row and back', () => {
		for (const state of everyState) {
			const task = makeTask(`t-${state.kind}`, {record: {...makeTask('x').record, state}});
			const row = taskToRow(task);
			assert.equal(row.state_kind, state.kind);
			assert.equal(typeof row.spec, 'string');
			assert.deepEqual(rowToTask(row), {ok: true, value: task});
		}
	});

	it('read a queued row written before delays existed (no eligibleAt) as not delayed', () => {
		const task = makeTask('j-old', {record: {...makeTask('x').record, state: {kind: 'queued', since: 5, reason: 'submitted', eligibleAt: null}}});
		const row = {...taskToRow(task), state: JSON.stringify({kind: 'queued', since: 5, reason: 'submitted', cause: 'submitted'})};
		const read = rowToTask(row);
		assert.ok(read.ok);
		assert.deepEqual(read.value.record.state, {kind: 'queued', since: 5, reason: 'submitted', eligibleAt: null});
	});

	it('report a task row whose JSON does not parse, or holds what tm does not know, by its id', () => {
		assert.deepEqual(badTask({state: '[1]'}), {ok: false, error: {table: 'tasks', id: 'web', message: 'task web: state is not a JSON object'}});
		assert.deepEqual(badTask({spec: 'null'}), {ok: false, error: {table: 'tasks', id: 'web', message: 'task web: spec is not a JSON object'}});
		assert.deepEqual(badTask({state: '{"kind":"zombie"}'}), {ok: false, error: {table: 'tasks', id: 'web', message: 'task web: state has unknown kind "zombie"'}});
		assert.deepEqual(badTask({kind: 'cron'}), {ok: false, error: {table: 'tasks', id: 'web', message: 'task web: unknown kind "cron"'}});
		assert.deepEqual(badTask({want: 'maybe'}), {ok: false, error: {table: 'tasks', id: 'web', message: 'task web: unknown want "maybe"'}});
		const broken = badTask({spec: '{"id": "web",'});
		assert.equal(broken.ok, false);
		assert.match(broken.ok ? '' : broken.error.message, /^task web: spec is not valid JSON \(.+\)$/);
	});

	it('map runs and events', () => {
		const start = makeRunStart('web', 9);
		const row = {id: 3, ...runStartToRow(start), ended_at: 5, exit_code: null, exit_signal: 'SIGKILL', reason: 'killed'};
		assert.deepEqual(runFromRow(row), {id: 3, ...start, endedAt: 5, exitCode: null, exitSignal: 'SIGKILL', reason: 'killed'});
		const event = makeEvent(null, 12);
		assert.deepEqual(eventFromRow({id: 4, ...eventToRow(event)}), {ok: true, value: {id: 4, ...event}});
		assert.deepEqual(eventFromRow({id: 4, task_id: 'web', at: 1, type: 'x', data: '"text"'}), {
			ok: false,
			error: {table: 'events', id: '4', message: 'event 4: data is not a JSON object'},
		});
	});
});
