import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadConfigText} from '../../../../src/core/config/index.js';
import type {Config} from '../../../../src/core/model.js';
import {planReload} from '../../../../src/core/daemon/reload-plan.js';

function config(yaml: string): Config {
	const loaded = loadConfigText(yaml, '/etc/tm/tm.yaml');
	assert.ok(loaded.ok, JSON.stringify(loaded));
	return loaded.value;
}

describe('planReload', () => {
	const base = config('programs:\n  a:\n    cmd: sleep 1\n  b:\n    cmd: sleep 2\n  c:\n    cmd: sleep 3\n');

	it('compares programs by effective spec: a key written with its default value is no change', () => {
		const next = config('programs:\n  a:\n    cmd: sleep 1\n    autostart: true\n    stopsignal: SIGTERM\n  b:\n    cmd: sleep 2\n  c:\n    cmd: sleep 3\n');
		assert.deepEqual(planReload(base, next), {added: [], removed: [], changed: [], unchanged: ['a', 'b', 'c'], daemon: []});
	});

	it('lists added, removed, changed with the changed keys, and unchanged', () => {
		const next = config('programs:\n  a:\n    cmd: sleep 1\n  b:\n    cmd: sleep 20\n    stoptime: 3\n  d:\n    cmd: sleep 4\n');
		const plan = planReload(base, next);
		assert.deepEqual(plan.added, ['d']);
		assert.deepEqual(plan.removed, ['c']);
		assert.deepEqual(plan.changed, [{name: 'b', keys: ['cmd', 'stoptime']}]);
		assert.deepEqual(plan.unchanged, ['a']);
	});

	it('names changed keys of the daemon section', () => {
		const next = config('taskmaster:\n  max_running: 4\nprograms:\n  a:\n    cmd: sleep 1\n  b:\n    cmd: sleep 2\n  c:\n    cmd: sleep 3\n');
		assert.deepEqual(planReload(base, next).daemon, ['max_running']);
	});
});
