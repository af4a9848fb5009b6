import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {byInstanceIds, selectTasks} from '../../../src/core/control/select.js';

const tasks = ['web:0', 'web:1', 'db', 'j-1'].map(id => ({id, spec: {program: id.split(':')[0]!}}));
const byId = new Map(tasks.map(task => [task.id, task]));
const find = (id: string) => byId.get(id);

describe('byInstanceIds (issue 22: tm status web:3 without a scan)', () => {
	it('finds instance ids by id, as selectTasks would', () => {
		assert.deepEqual(byInstanceIds(['web:1', 'web:0', 'web:1'], find), selectTasks(['web:1', 'web:0', 'web:1'], tasks));
	});

	it('leaves anything else to selectTasks: a program, a glob, all, a job, an unknown id', () => {
		for (const names of [['web'], ['web:*'], ['all'], ['j-1'], ['web:7'], ['web:0', 'db'], []]) {
			assert.equal(byInstanceIds(names, find), null, names.join(' '));
		}
	});
});
