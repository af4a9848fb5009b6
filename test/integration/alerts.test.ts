/**
 * Mail alerts from a real daemon (`tm up --foreground` as a process) to a real SMTP server
 * started by the test: one batched mail for a crash loop, `tm alert test`, and supervision that
 * carries on while the relay is down.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {daemonLog, killAllTm, runTm} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';
import {smtpSink, type SmtpSink} from '../helpers/smtp-sink.js';
import {freePort} from '../helpers/ports.js';

after(killAllTm);

const host = os.hostname();

function setup(yaml: string) {
	const dir = tempDir('tm-alerts-');
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const daemon = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
	const status = async (): Promise<StatusDoc | null> => {
		const result = await cli('status', '--json');
		return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : null;
	};

	return {dir, daemon, cli, status};
}

const loop = `  loop:
    cmd: "sh -c 'exit 1'"
    starttime: 0
    backoff: {initial: 30ms, factor: 1, max: 30ms, jitter: 0}
`;

describe('mail alerts', () => {
	let sink: SmtpSink | null = null;
	after(async () => sink?.close());

	it('a task that crash-loops 20 times sends exactly one batched mail', async () => {
		sink = await smtpSink();
		const {daemon, cli, status} = setup(`taskmaster:
  email: ops@example.com
  smtp: {host: 127.0.0.1, port: ${sink.port}, from: tm@test.local}
  alerts: {batch: 2s, crash_loop: {restarts: 5, within: 10m}}
programs:
${loop}`);
		const looped = await waitFor(status, doc => (doc?.tasks[0]?.restarts ?? 0) >= 20, {what: '20 restarts', timeout: 30_000});
		assert.equal(looped?.tasks[0]?.id, 'loop');
		const stop = await cli('stop', 'loop');
		assert.equal(stop.code, 0, stop.err);
		await waitFor(() => sink?.mails.length ?? 0, n => n >= 1, {what: 'the batched mail', timeout: 15_000});
		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		assert.equal(await daemon.exited, 0, daemon.stderr());

		assert.equal(sink.mails.length, 1, `exactly one mail: ${JSON.stringify(sink.mails.map(m => m.subject))}`);
		const [mail] = sink.mails;
		assert.equal(mail?.from, 'tm@test.local');
		assert.deepEqual(mail?.to, ['ops@example.com']);
		assert.equal(mail?.subject, `[tm ${host}] loop is crash-looping`);
		assert.match(mail?.text ?? '', /loop is crash-looping\n {4}more than 5 restarts within 10m \(last: exit 1; restart in 30ms\)/);
		assert.match(daemon.stderr(), /loop running -> backoff/);
	});

	it('tm alert test mails every recipient now; without email: it says alerts are off', async () => {
		sink ??= await smtpSink();
		const before = sink.mails.length;
		const {daemon, cli} = setup(`taskmaster:
  email: [a@example.com, b@example.com]
  smtp: {host: 127.0.0.1, port: ${sink.port}}
programs: {}
`);
		await waitFor(async () => (await cli('status')).code, code => code === 0, {what: 'the daemon to answer'});
		const sent = await cli('alert', 'test', '--json');
		assert.equal(sent.code, 0, sent.err);
		assert.deepEqual(JSON.parse(sent.out), {recipients: ['a@example.com', 'b@example.com']});
		const mails = sink.mails.slice(before);
		assert.deepEqual(mails.map(m => [m.to, m.subject, m.from]).sort(), [
			[['a@example.com'], `[tm ${host}] tm test alert`, `tm@${host}`],
			[['b@example.com'], `[tm ${host}] tm test alert`, `tm@${host}`],
		]);
		assert.match(mails[0]?.text ?? '', /This is a test mail from `tm alert test`/);
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);

		const off = setup('programs: {}\n');
		await waitFor(async () => (await off.cli('status')).code, code => code === 0, {what: 'the daemon to answer'});
		const refused = await off.cli('alert', 'test');
		assert.equal(refused.code, 2);
		assert.match(refused.err, /mail alerts are off: set taskmaster\.email/);
		assert.equal((await off.cli('down')).code, 0);
		await off.daemon.exited;
	});

	it('an SMTP relay that is down is reported and retried, and supervision carries on', async () => {
		const port = await freePort();
		const {dir, daemon, cli, status} = setup(`taskmaster:
  logfile: ./tmd.log
  http: off
  email: ops@example.com
  smtp: {host: 127.0.0.1, port: ${port}}
  alerts: {batch: 100ms, crash_loop: {restarts: 2, within: 10m}}
programs:
${loop}  web:
    cmd: sleep 1000
    starttime: 0
`);
		await waitFor(() => daemon.stderr(), text => /alert mail to ops@example\.com not sent \(attempt 1\); retrying in 10s: .*ECONNREFUSED/.test(text), {
			what: 'the failed send reported',
			timeout: 20_000,
		});
		const logged = await waitFor(() => daemonLog(path.join(dir, 'tmd.log')).find(line => line.message === 'alert mail not sent'), line => line !== undefined, {what: 'the failed send in the daemon log'});
		assert.match(JSON.stringify(logged), /"to":"ops@example\.com".*ECONNREFUSED/);
		const at = (await status())?.tasks.find(t => t.id === 'loop')?.restarts ?? 0;
		const later = await waitFor(status, doc => (doc?.tasks.find(t => t.id === 'loop')?.restarts ?? 0) > at + 5, {what: 'more restarts after the failure'});
		const web = later?.tasks.find(t => t.id === 'web');
		assert.equal(web?.state, 'running');
		assert.ok(alive(web?.pid ?? 0));
		const test = await cli('alert', 'test', '--json');
		assert.equal(test.code, 1);
		assert.match((JSON.parse(test.err) as {error: {message: string}}).error.message, /^test mail not sent: ops@example\.com: .*ECONNREFUSED/);
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);
	});
});
