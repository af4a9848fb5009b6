/**
 * The config keys of mail alerts: `email` (one address, a comma list or a YAML list) and the
 * optional `alerts:` tuning, with positions in every complaint.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {recipientsOf} from '../../../src/core/alerts/mail.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {DaemonSpec} from '../../../src/core/model.js';

function daemon(text: string): DaemonSpec {
	const result = loadConfigText(text, 'tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error));
	return result.value.daemon;
}

function problems(text: string): string[] {
	const result = loadConfigText(text, 'tm.yaml');
	assert.equal(result.ok, false);
	return result.ok ? [] : result.error.map(i => `${i.line}:${i.col} ${i.path}: ${i.message}`);
}

describe('alert config', () => {
	it('defaults: one mail per minute of alerts; a crash loop is more than 5 restarts in 10 minutes', () => {
		assert.deepEqual(daemon('taskmaster:\n  email: ops@example.com\n').alerts, {batchMs: 60_000, crashLoop: {restarts: 5, withinMs: 600_000}});
		assert.deepEqual(daemon('programs: {}\n').alerts, {batchMs: 60_000, crashLoop: {restarts: 5, withinMs: 600_000}});
	});

	it('reads alerts.batch and alerts.crash_loop', () => {
		const spec = daemon('taskmaster:\n  email: ops@example.com\n  alerts:\n    batch: 30s\n    crash_loop: {restarts: 10, within: 1h}\n');
		assert.deepEqual(spec.alerts, {batchMs: 30_000, crashLoop: {restarts: 10, withinMs: 3_600_000}});
	});

	it('lists every mistake with its position, and suggests the key meant', () => {
		assert.deepEqual(problems('taskmaster:\n  alerts:\n    batch: soon\n    crash_loop: {restart: 3, within: 0}\n'), [
			'3:12 taskmaster.alerts.batch: expected a duration like 30s, 5m or 500ms, got "soon"',
			'4:18 taskmaster.alerts.crash_loop.restart: unknown key; did you mean "restarts"?',
			'4:38 taskmaster.alerts.crash_loop.within: expected a duration greater than 0, got 0',
		]);
	});

	it('email takes one address, several separated by commas, or a list; each is a recipient', () => {
		assert.equal(daemon('taskmaster:\n  email: "example@gmail.com"\n').email, 'example@gmail.com');
		const listed = daemon('taskmaster:\n  email: [a@x.org, b@y.org]\n').email;
		assert.equal(listed, 'a@x.org, b@y.org');
		assert.deepEqual(recipientsOf(listed), ['a@x.org', 'b@y.org']);
		assert.deepEqual(recipientsOf(daemon('taskmaster:\n  email: "a@x.org,b@y.org, a@x.org"\n').email), ['a@x.org', 'b@y.org']);
		assert.deepEqual(problems('taskmaster:\n  email: [a@x.org, nobody]\n'), [
			'2:10 taskmaster.email: expected a list of email addresses, but "nobody" is not one',
		]);
		assert.deepEqual(problems('taskmaster:\n  email: ops at example\n'), [
			'2:10 taskmaster.email: expected an email address like ops@example.com (or a list of them), got "ops at example"',
		]);
	});
});
