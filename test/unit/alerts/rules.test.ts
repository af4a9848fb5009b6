import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {AlertRules} from '../../../src/core/alerts/rules.js';
import type {TaskEventRecord} from '../../../src/core/engine.js';
import type {StateKind} from '../../../src/core/model.js';
import {taskStatus} from '../../helpers/task-status.js';

const spec = {batchMs: 60_000, crashLoop: {restarts: 5, withinMs: 10 * 60_000}};
let seq = 0;

function event(taskId: string, from: StateKind, to: StateKind, at: number, reason = 'exit 1', attempt = 1): TaskEventRecord {
	return {seq: ++seq, at, taskId, type: 'state', from, to, reason, pid: null, restarts: 0, attempt, exit: null, cause: 'exit', task: taskStatus(taskId, {state: to, reason, attempt})};
}

/** One crash of a running task: running → backoff → queued → starting → running. */
function crash(rules: AlertRules, taskId: string, at: number) {
	return [
		...rules.check(event(taskId, 'running', 'backoff', at, 'exit 1; restart in 1s')),
		...rules.check(event(taskId, 'backoff', 'queued', at + 1)),
		...rules.check(event(taskId, 'queued', 'starting', at + 1)),
		...rules.check(event(taskId, 'starting', 'running', at + 2)),
	];
}

describe('alert rules', () => {
	it('alerts when a task becomes fatal or failed, once per change', () => {
		const rules = new AlertRules(spec);
		assert.deepEqual(rules.check(event('web', 'starting', 'fatal', 10, 'exit 1; gave up after 4 tries')), [
			{at: 10, taskId: 'web', kind: 'fatal', reason: 'exit 1; gave up after 4 tries'},
		]);
		assert.deepEqual(rules.check(event('j-1', 'running', 'failed', 20, 'exit 2')).map(a => a.kind), ['failed']);
		assert.deepEqual(rules.check(event('j-1', 'failed', 'failed', 21, 'exit 2 again')), []);
		assert.deepEqual(rules.check(event('web', 'running', 'stopped', 30, 'stopped by request')), []);
		assert.deepEqual(rules.check(event('web', 'running', 'completed', 30, 'exit 0')), []);
	});

	it('alerts once per run when the watchdog or the stuck check kills a task', () => {
		const rules = new AlertRules(spec);
		const kill = rules.check(event('w', 'running', 'stopping', 100, 'watchdog: no heartbeat for 30s', 3));
		assert.deepEqual(kill, [{at: 100, taskId: 'w', kind: 'watchdog', reason: 'watchdog: no heartbeat for 30s'}]);
		// The same kill carried on in later reasons of the same attempt is not news.
		assert.deepEqual(rules.check(event('w', 'stopping', 'stopping', 101, 'watchdog: no heartbeat for 30s; SIGKILL after 10s', 3)), []);
		assert.deepEqual(rules.check(event('w', 'stopping', 'backoff', 102, 'watchdog: no heartbeat for 30s; restart in 1s', 3)), []);
		// The next run killed again is.
		assert.deepEqual(rules.check(event('w', 'running', 'stopping', 200, 'watchdog: no heartbeat for 30s', 4)).map(a => a.kind), ['watchdog']);
		assert.deepEqual(rules.check(event('s', 'running', 'stopping', 300, 'stuck: 0% cpu for 10m', 1)).map(a => a.kind), ['stuck']);
		assert.deepEqual(rules.check(event('s', 'running', 'stopping', 300, 'stopped by request', 1)), []);
	});

	it('alerts on a crash loop: more than N restarts within M, then not again until M has passed', () => {
		const rules = new AlertRules(spec);
		const alerts = [];
		for (let i = 0; i < 20; i++) {
			alerts.push(...crash(rules, 'loop', 1000 + i * 1000));
		}

		assert.equal(alerts.length, 1, 'one alert for 20 crashes in 20 seconds');
		assert.equal(alerts[0]?.kind, 'crash-loop');
		assert.equal(alerts[0]?.at, 1000 + 5 * 1000, 'raised at the sixth restart');
		assert.match(alerts[0]?.reason ?? '', /^more than 5 restarts within 10m \(last: exit 1; restart in 1s\)$/);

		// Still looping ten minutes later: one more.
		const later = crash(rules, 'loop', 1000 + 5 * 1000 + 10 * 60_000);
		assert.deepEqual(later.map(a => a.kind), ['crash-loop']);
	});

	it('does not count restarts spread wider than the window', () => {
		const rules = new AlertRules(spec);
		const alerts = [];
		for (let i = 0; i < 30; i++) {
			alerts.push(...crash(rules, 'slow', i * 3 * 60_000));
		}

		assert.deepEqual(alerts, [], 'one restart every 3 minutes is at most 4 in 10 minutes');
	});

	it('forgets a task that came to rest, so memory stays bounded by live tasks', () => {
		const rules = new AlertRules(spec);
		for (let i = 0; i < 100; i++) {
			rules.check(event(`j-${i}`, 'running', 'backoff', i));
			rules.check(event(`j-${i}`, 'backoff', 'completed', i + 1, 'exit 0'));
		}

		assert.equal(rules.remembered, 0);
		// A loop interrupted by a stop starts counting again.
		for (let i = 0; i < 5; i++) {
			crash(rules, 'web', i * 10);
		}

		rules.check(event('web', 'running', 'stopped', 60, 'stopped by request'));
		assert.deepEqual(crash(rules, 'web', 70), []);
	});
});
