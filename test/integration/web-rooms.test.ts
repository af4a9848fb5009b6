/**
 * `/events?task=NAME` (seed 001's rooms) on a real daemon with real tasks: only the named tasks'
 * events, snapshot rows, task rows and replays; a name that means no task is a 404.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {EventDoc, StatusDoc, TasksUpdate} from '../../src/core/ipc/methods.js';
import {SseClient} from '../helpers/sse-client.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const config = [
	'programs:',
	'  web:',
	'    cmd: sleep 1000',
	'    numprocs: 2',
	'    starttime: 0',
	'  db:',
	'    cmd: sleep 1000',
	'    starttime: 0',
	'',
].join('\n');

describe('/events?task=', () => {
	let web: WebDaemon;
	const streams: SseClient[] = [];
	const open = async (path: string, headers: Record<string, string> = {}): Promise<SseClient> => {
		const client = await SseClient.open(`${web.url}${path}`, headers);
		streams.push(client);
		return client;
	};

	before(async () => {
		web = await webDaemon(config);
		for (const id of ['web:0', 'web:1', 'db']) {
			await web.waitState(id, 'running');
		}
	});

	after(async () => {
		streams.forEach(stream => stream.close());
		await web.cleanup();
	});

	it('carries only the named tasks: events, the snapshot, task rows and a replay', async () => {
		const db = await open('/events?task=db&snapshot=1&tasks=1');
		const webs = await open('/events?task=web:1&task=db');
		const everything = await open('/events');
		const snapshot = (await db.waitFrames(frames => frames.length >= 1, 'the snapshot')) && db.named<StatusDoc & {lastSeq: number}>('snapshot')[0]!;
		assert.deepEqual(snapshot.tasks.map(task => task.id), ['db']);

		const before = web.events.length;
		await web.daemon.engine.get('web:0').request({type: 'restart', reason: 'test', cause: 'requested'});
		await web.daemon.engine.get('web:1').request({type: 'restart', reason: 'test', cause: 'requested'});
		await web.daemon.engine.get('db').request({type: 'restart', reason: 'test', cause: 'requested'});
		for (const id of ['web:0', 'web:1', 'db']) {
			await web.waitState(id, 'running');
		}

		const published = web.events.slice(before);
		const of = (ids: string[]): number[] => published.filter(event => ids.includes(event.taskId)).map(event => event.seq);
		await everything.waitFrames(frames => frames.length >= published.length, 'every event');
		await db.waitFrames(() => db.events().length >= of(['db']).length, "db's events");
		await webs.waitFrames(() => webs.events().length >= of(['web:1', 'db']).length, "web:1's and db's events");
		assert.deepEqual(
			db.events<EventDoc>().map(event => event.seq),
			of(['db']),
			'db alone',
		);
		assert.deepEqual(
			webs.events<EventDoc>().map(event => event.seq),
			of(['web:1', 'db']),
			'web:1 and db, in order',
		);
		const rows = await db.waitFrames(() => db.named('tasks').length > 0, 'a task row').then(() => db.named<TasksUpdate>('tasks'));
		assert.ok(rows.every(update => update.tasks.every(task => task.id === 'db')), JSON.stringify(rows));

		// A replay (Last-Event-ID) keeps to the room too.
		const replay = await open('/events?task=web', {'Last-Event-ID': String(published[0]!.seq - 1)});
		await replay.waitFrames(() => replay.events().length >= of(['web:0', 'web:1']).length, 'the replay');
		assert.deepEqual(
			replay.events<EventDoc>().map(event => event.seq),
			of(['web:0', 'web:1']),
			'a program means its instances',
		);
	});

	it('answers 404 for a name that means no task', async () => {
		const response = await fetch(`${web.url}/events?task=nope`);
		assert.equal(response.status, 404);
		assert.match(await response.text(), /no such task: nope/);
	});
});
