/**
 * Batching and retries on a ManualClock, with a fake SMTP: what goes out, when, and to whom.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Alerter, type SendMail} from '../../../src/core/alerts/alerter.js';
import type {Mail} from '../../../src/core/alerts/mail.js';
import type {Alert} from '../../../src/core/alerts/rules.js';
import {ManualClock} from '../../../src/core/clock.js';
import type {TaskEventRecord} from '../../../src/core/engine.js';
import type {StateKind} from '../../../src/core/model.js';
import {taskStatus} from '../../helpers/task-status.js';

/** Lets the promises of a send settle. */
const settle = () => new Promise(resolve => setImmediate(resolve));

type Fake = {sent: Mail[]; send: SendMail; failNext(n: number, why?: string): void; hold(): () => void};

function fakeSmtp(): Fake {
	const sent: Mail[] = [];
	let failures = 0;
	let why = 'connect ECONNREFUSED 127.0.0.1:25';
	let gate: Promise<void> | null = null;
	return {
		sent,
		async send(mail) {
			await gate;
			if (failures > 0) {
				failures--;
				throw new Error(why);
			}

			sent.push(mail);
		},
		failNext(n, reason) {
			failures = n;
			why = reason ?? why;
		},
		hold() {
			let release = () => {};
			gate = new Promise(resolve => (release = resolve));
			return () => {
				gate = null;
				release();
			};
		},
	};
}

function setup(options: {recipients?: string[]; maxPending?: number} = {}) {
	const clock = new ManualClock(1_700_000_000_000);
	const smtp = fakeSmtp();
	const warnings: string[] = [];
	const logged: Array<[string, Record<string, unknown>]> = [];
	const alerter = new Alerter({
		clock,
		recipients: options.recipients ?? ['ops@example.com'],
		from: 'tm@box',
		host: 'box',
		spec: {batchMs: 60_000, crashLoop: {restarts: 5, withinMs: 600_000}},
		send: smtp.send,
		webUrl: () => 'http://127.0.0.1:4242',
		log: (message, data) => logged.push([message, data]),
		warn: message => warnings.push(message),
		maxPending: options.maxPending,
	});
	const alert = (taskId: string, kind: Alert['kind'] = 'fatal', reason = 'exit 1; gave up after 4 tries'): Alert => ({at: clock.now(), taskId, kind, reason});
	return {clock, smtp, warnings, logged, alerter, alert};
}

let seq = 0;
const event = (taskId: string, from: StateKind, to: StateKind, at: number, reason: string): TaskEventRecord => ({
	seq: ++seq,
	at,
	taskId,
	type: 'state',
	from,
	to,
	reason,
	pid: null,
	restarts: 0,
	attempt: 1,
	exit: null,
	cause: 'exit',
	task: taskStatus(taskId, {state: to, reason}),
});

describe('alerter', () => {
	it('batches the alerts of one window into one mail per recipient', async () => {
		const {clock, smtp, alerter, alert, logged} = setup({recipients: ['a@x.org', 'b@y.org']});
		alerter.raise(alert('web'));
		clock.advance(10_000);
		alerter.raise(alert('api', 'crash-loop', 'more than 5 restarts within 10m (last: exit 1)'));
		clock.advance(49_999);
		await settle();
		assert.equal(smtp.sent.length, 0, 'nothing before the window closes');
		assert.equal(alerter.stats().pending, 4);

		clock.advance(1);
		await settle();
		assert.deepEqual(smtp.sent.map(m => m.to), ['a@x.org', 'b@y.org']);
		const [mail] = smtp.sent;
		assert.equal(mail?.from, 'tm@box');
		assert.equal(mail?.subject, '[tm box] 2 alerts: web fatal, api crash-loop');
		assert.match(mail?.text ?? '', /web is fatal \(tm gave up on it\)\n {4}exit 1; gave up after 4 tries\n {4}log: http:\/\/127\.0\.0\.1:4242\/logs\/web/);
		assert.match(mail?.text ?? '', /api is crash-looping\n {4}more than 5 restarts within 10m/);
		assert.deepEqual(alerter.stats(), {raised: 2, mailsSent: 2, sendFailures: 0, pending: 0, dropped: 0});
		assert.deepEqual(logged.map(([m, d]) => [m, d['to'], d['alerts']]), [
			['alert mail sent', 'a@x.org', 2],
			['alert mail sent', 'b@y.org', 2],
		]);

		// The next alert opens a new window.
		alerter.raise(alert('db'));
		clock.advance(60_000);
		await settle();
		assert.equal(smtp.sent.length, 4);
		assert.equal(smtp.sent[2]?.subject, '[tm box] db is fatal (tm gave up on it)');
	});

	it('sends one mail for a task that crash-loops 20 times', async () => {
		const {clock, smtp, alerter} = setup();
		for (let i = 0; i < 20; i++) {
			alerter.observe(event('loop', 'running', 'backoff', clock.now(), 'exit 1; restart in 1s'));
			clock.advance(500);
			alerter.observe(event('loop', 'backoff', 'queued', clock.now(), 'retrying'));
			alerter.observe(event('loop', 'queued', 'starting', clock.now(), 'attempt 2'));
			alerter.observe(event('loop', 'starting', 'running', clock.now(), 'started'));
			clock.advance(500);
		}

		clock.advance(120_000);
		await settle();
		assert.equal(smtp.sent.length, 1);
		assert.equal(smtp.sent[0]?.subject, '[tm box] loop is crash-looping');
	});

	it('retries a failed send with backoff; alerts raised meanwhile join the retry; supervision never waits', async () => {
		const {clock, smtp, alerter, alert, warnings} = setup();
		smtp.failNext(2);
		alerter.raise(alert('web'));
		clock.advance(60_000);
		await settle();
		assert.equal(smtp.sent.length, 0);
		assert.deepEqual(warnings, ['alert mail to ops@example.com not sent (attempt 1); retrying in 10s: connect ECONNREFUSED 127.0.0.1:25']);

		alerter.raise(alert('api'));
		clock.advance(10_000);
		await settle();
		assert.equal(warnings.length, 2);
		assert.match(warnings[1] ?? '', /attempt 2\); retrying in 20s/);

		clock.advance(19_999);
		await settle();
		assert.equal(smtp.sent.length, 0);
		clock.advance(1);
		await settle();
		assert.equal(smtp.sent.length, 1, 'one mail with both alerts once the relay is back');
		assert.match(smtp.sent[0]?.subject ?? '', /2 alerts: web fatal, api fatal/);
		assert.deepEqual(alerter.stats(), {raised: 2, mailsSent: 1, sendFailures: 2, pending: 0, dropped: 0});
	});

	it('caps the backoff and the alerts kept while the relay is down, and says how many were left out', async () => {
		const {clock, smtp, alerter, alert, warnings} = setup({maxPending: 3});
		smtp.failNext(12);
		for (let i = 0; i < 5; i++) {
			alerter.raise(alert(`t${i}`));
		}

		for (let i = 0; i < 13; i++) {
			clock.advance(clock.nextTimer()! - clock.now());
			await settle();
		}

		assert.match(warnings.at(-1) ?? '', /attempt 12\); retrying in 15m/);
		assert.equal(smtp.sent.length, 1);
		assert.match(smtp.sent[0]?.subject ?? '', /\[tm box\] 5 alerts: t2 fatal, t3 fatal, t4 fatal/);
		assert.match(smtp.sent[0]?.text ?? '', /and 2 earlier alerts not listed/);
	});

	it('alerts raised while a mail is on its way go in the next window', async () => {
		const {clock, smtp, alerter, alert} = setup();
		const release = smtp.hold();
		alerter.raise(alert('a'));
		clock.advance(60_000);
		alerter.raise(alert('b'));
		release();
		await settle();
		assert.equal(smtp.sent.length, 1);
		assert.equal(clock.nextTimer(), clock.now() + 60_000);
		clock.advance(60_000);
		await settle();
		assert.deepEqual(smtp.sent.map(m => m.subject), ['[tm box] a is fatal (tm gave up on it)', '[tm box] b is fatal (tm gave up on it)']);
	});

	it('flush sends what waits at once (shutdown); close stops the timers', async () => {
		const {clock, smtp, alerter, alert} = setup();
		alerter.raise(alert('web'));
		await alerter.flush();
		assert.equal(smtp.sent.length, 1);
		alerter.close();
		alerter.raise(alert('late'));
		assert.equal(clock.nextTimer(), null);
	});

	it('sendTest mails every recipient now, and rejects naming the failure', async () => {
		const {smtp, alerter} = setup({recipients: ['a@x.org', 'b@y.org']});
		assert.deepEqual(await alerter.sendTest(), {recipients: ['a@x.org', 'b@y.org']});
		assert.deepEqual(smtp.sent.map(m => [m.to, m.subject]), [
			['a@x.org', '[tm box] tm test alert'],
			['b@y.org', '[tm box] tm test alert'],
		]);
		smtp.failNext(1, '535 authentication failed');
		await assert.rejects(alerter.sendTest(), /test mail not sent: a@x\.org: 535 authentication failed/);
	});
});
