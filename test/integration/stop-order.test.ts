/**
 * Shutdown stops tasks in reverse dependency order, each wave only once the one before is down.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {alive} from '../helpers/wait.js';

let h: Harness | undefined;
const more: Harness[] = [];
after(async () => {
	await h?.cleanup();
	await Promise.all(more.map(other => other.cleanup()));
});

describe('stopAll', () => {
	it('stops web before the db it depends on', async () => {
		// web ignores SIGTERM for a moment, so a parallel stop would let db go first.
		const web = makeSpec({id: 'web', program: 'web', name: 'web', starttimeMs: 0, dependsOn: {db: 'started'}, cmd: "trap 'sleep 0.3; exit 0' TERM; while :; do sleep 0.05; done"});
		const db = makeSpec({id: 'db', program: 'db', name: 'db', starttimeMs: 0});
		h = harness([db, web]);
		h.engine.startAutostart();
		await h.waitState('web', 'running');
		await h.waitState('db', 'running');
		await h.engine.stopAll('test shutdown');
		const stops = h.events.filter(e => e.to === 'stopping' || e.to === 'stopped').map(e => `${e.taskId} ${e.to}`);
		assert.deepEqual(stops, ['web stopping', 'web stopped', 'db stopping', 'db stopped']);
	});

	it('waits for a start still in flight (no pid yet) and stops what it starts: nothing outlives a shutdown', async () => {
		const specs = Array.from({length: 4}, (_, i) => makeSpec({id: `s${i}`, program: `s${i}`, name: `s${i}`, starttimeMs: 0, cmd: 'sleep 1000'}));
		const run = harness(specs);
		more.push(run);
		run.engine.startAutostart();
		// The queue admits them in a microtask; their starts finish on a worker thread: no pid yet, and none is down.
		await new Promise<void>(resolve => queueMicrotask(resolve));
		const states = run.engine.list().map(task => [task.id, task.record.state.kind, task.pid, task.down]);
		assert.ok(run.engine.list().every(task => task.record.state.kind === 'starting' && task.pid === null && !task.down), JSON.stringify(states));
		await run.engine.stopAll('shutdown right after start');
		const pids = run.events.map(e => e.pid).filter((pid): pid is number => pid !== null);
		assert.equal(new Set(pids).size, 4, `each start got its process: ${JSON.stringify(run.events.map(e => [e.taskId, e.to, e.pid]))}`);
		assert.deepEqual(pids.filter(alive), [], 'every process started is gone once stopAll resolves');
		assert.ok(run.engine.list().every(task => task.record.state.kind === 'stopped'));
	});
});
