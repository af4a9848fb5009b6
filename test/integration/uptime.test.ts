/**
 * A task's uptime counts from its spawn, not from the moment it counted as running.
 */
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {taskDoc} from '../../src/core/documents.js';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';

let h: Harness | undefined;
after(async () => h?.cleanup());

describe('startedAt', () => {
	it('is the spawn: a task with starttime 400ms was spawned well before it reached running (the spawn itself takes a moment)', async () => {
		h = harness([makeSpec({id: 'slow', program: 'slow', name: 'slow', starttimeMs: 400, cmd: 'sleep 1000'})]);
		h.engine.startAutostart();
		const task = await h.waitState('slow', 'running');
		const upSince = task.record.upSince ?? 0;
		const startedAt = Date.parse(taskDoc(task, {taskTimeoutMs: 0, heartbeatIntervalMs: 0}).startedAt ?? '');
		assert.ok(upSince - startedAt >= 200, `startedAt ${startedAt} is the spawn, ${upSince - startedAt} ms before running`);
	});
});
