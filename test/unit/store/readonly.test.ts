import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {openReadonlyStore} from '../../../src/store/readonly.js';
import {Store} from '../../../src/store/store.js';
import type {Batch} from '../../../src/store/types.js';
import {makeEvent, makeRunStart, makeTask, snapshot, tempHome} from '../../helpers/store-fixtures.js';

const home = tempHome();
after(home.cleanup);
let files = 0;
const nextFile = (): string => `${home.dir}/case-${++files}/tm.db`;
const batch = (parts: Partial<Batch>): Batch => ({tasks: [], runStarts: [], runEnds: [], events: [], ...parts});

describe('openReadonlyStore', () => {
	it('reads history while the daemon holds the database open and keeps writing', () => {
		const file = nextFile();
		const writer = Store.open(file);
		try {
			writer.writeBatch(batch({tasks: [makeTask('web')], runStarts: [makeRunStart('web', 10)], events: [makeEvent('web', 1)]}));
			const reader = openReadonlyStore(file);
			try {
				assert.deepEqual(reader.history('web', 10)?.events.map((event) => event.at), [1]);
				writer.writeBatch(batch({events: [makeEvent('web', 2), makeEvent('web', 3)]}));
				const history = reader.history('web', 2);
				assert.equal(history?.taskId, 'web');
				assert.deepEqual(history?.events.map((event) => event.at), [3, 2]);
				assert.deepEqual(history?.runs.map((run) => run.pid), [10]);
				assert.deepEqual(reader.tasks().map((task) => task.id), ['web']);
			} finally {
				reader.close();
			}

			writer.writeBatch(batch({events: [makeEvent('web', 4)]}));
		} finally {
			writer.close();
		}
	});

	it('reads after the daemon stopped, without writing to the file', () => {
		const file = nextFile();
		const writer = Store.open(file);
		writer.writeBatch(batch({tasks: [makeTask('web')], events: [makeEvent('web', 1)]}));
		writer.close();
		const before = snapshot(file);
		const reader = openReadonlyStore(file);
		assert.equal(reader.history('web', 5)?.events.length, 1);
		reader.close();
		const afterRead = snapshot(file);
		assert.equal(afterRead.sha256, before.sha256);
		assert.equal(afterRead.mtimeMs, before.mtimeMs);
	});

	it('resolves an exact task id first, else the one task of a program, else null', () => {
		const file = nextFile();
		const writer = Store.open(file);
		writer.writeBatch(
			batch({
				tasks: [
					makeTask('api', {queueSeq: 1}),
					makeTask('api-canary', {program: 'api', queueSeq: 2}),
					makeTask('worker:0', {program: 'worker', queueSeq: 3}),
					makeTask('worker:1', {program: 'worker', queueSeq: 4}),
					makeTask('db:0', {program: 'db', queueSeq: 5}),
				],
				events: [makeEvent('api', 1), makeEvent('api-canary', 2), makeEvent('db:0', 3)],
			}),
		);
		writer.close();
		const reader = openReadonlyStore(file);
		try {
			assert.equal(reader.history('api', 5)?.taskId, 'api');
			assert.deepEqual(reader.history('api', 5)?.events.map((event) => event.at), [1]);
			assert.equal(reader.history('db', 5)?.taskId, 'db:0');
			assert.deepEqual(reader.history('db', 5)?.events.map((event) => event.at), [3]);
			assert.equal(reader.history('worker:1', 5)?.taskId, 'worker:1');
			assert.equal(reader.history('worker', 5), null);
			assert.equal(reader.history('nobody', 5), null);
		} finally {
			reader.close();
		}
	});
});
