/**
 * Shutdown stops tasks in reverse dependency order, each wave only once the one before is down.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';

let h: Harness | undefined;
after(async () => h?.cleanup());

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
});
