/**
 * Each way of not reaching a remote daemon, against a real sshd: exit code 3, a message that
 * names the fix, and the case as `reason` in the JSON error (no ssh client, host unreachable,
 * login refused, host key unknown, no tm on the remote PATH, a tm too old for --host, the
 * remote daemon not running, a protocol this tm cannot speak — both versions named).
 */
import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {freePort} from '../../helpers/ports.js';
import {assertSchema} from '../../helpers/schema.js';
import {localEnv} from '../../helpers/remote.js';
import {sshdMissing, startSshd, type Sshd} from '../../helpers/sshd.js';

type Case = {what: string; url: () => string; env?: () => Record<string, string>; reason: string; message: RegExp};

describe('--host errors', {skip: sshdMissing() ?? false}, () => {
	let sshd: Sshd;
	let bare: Sshd;
	let dir: string;
	let env: Record<string, string>;
	const script = (name: string, text: string): string => {
		const file = path.join(dir, name);
		writeFileSync(file, `#!/bin/sh\n${text}\n`);
		chmodSync(file, 0o755);
		return file;
	};

	before(async () => {
		[sshd, bare] = await Promise.all([startSshd(), startSshd({remotePath: false})]);
		dir = tempDir('tm-ssh-errors-');
		env = localEnv(sshd, dir);
		mkdirSync(path.join(dir, 'empty-home'));
	});

	after(async () => {
		await Promise.all([sshd?.stop(), bare?.stop()]);
		rmSync(dir, {recursive: true, force: true});
	});

	const cases: Case[] = [
		{
			what: 'no ssh client',
			url: () => sshd.url,
			env: () => ({...env, TM_SSH_COMMAND: path.join(dir, 'no-such-ssh')}),
			reason: 'no-ssh',
			message: /no ssh client .*install OpenSSH's client/,
		},
		{what: 'nothing listens on the port', url: () => `ssh://root@127.0.0.1:${closedPort}`, reason: 'unreachable', message: /Connection refused; check the host name and port, that sshd runs there/},
		{what: 'the login is refused', url: () => sshd.url.replace('root@', 'nobody@'), reason: 'auth', message: /login was refused .*give ssh a key the host accepts/},
		{
			what: 'the host key is unknown',
			url: () => sshd.url,
			env: () => ({...env, TM_SSH_COMMAND: `${env['TM_SSH_COMMAND']} -o UserKnownHostsFile=/dev/null`}),
			reason: 'host-key',
			message: /host key is not known \(tm never turns host key checking off\); connect once with `ssh -p \d+ root@127\.0\.0\.1`/,
		},
		{what: 'no tm on the remote PATH', url: () => `${bare.url}`, env: () => localEnv(bare, dir), reason: 'no-tm', message: /no `tm` on .*install tm there, or give its path in the address \(.*\?tm=\/path\/to\/tm\)/},
		{
			what: 'a remote tm without dial-stdio',
			url: () => `${sshd.url}?tm=${script('old-tm', `echo "error: unknown command 'dial-stdio'" >&2; exit 1`)}`,
			reason: 'old-tm',
			message: /too old for --host .*install this tm release there/,
		},
		{what: 'no daemon there', url: () => `${sshd.url}?home=${path.join(dir, 'empty-home')}`, reason: 'no-daemon', message: /no tm daemon answers on .*\(socket .*empty-home\/tm\.sock\): start it there/},
		{
			what: 'another protocol',
			url: () => `${sshd.url}?tm=${script('future-tm', `echo '{"dialStdio":1,"version":"9.0.0","protocol":2,"socket":"/x"}'; cat >/dev/null`)}`,
			reason: 'protocol',
			message: /\(9\.0\.0\) speaks protocol 2, .*this tm \(0\.1\.0\) speaks protocol 1, .*install the same tm release on both machines/,
		},
	];
	let closedPort = 0;

	it('says what is wrong and how to fix it, exit 3', async () => {
		closedPort = await freePort();
		for (const each of cases) {
			const result = await tm(['status', '--json', '--host', each.url()], {env: each.env?.() ?? env});
			assert.equal(result.code, 3, `${each.what}: ${result.err}`);
			assertSchema('error', JSON.parse(result.err));
			const {error} = JSON.parse(result.err) as {error: {code: string; message: string; reason: string}};
			assert.equal(error.code, 'E_DAEMON_NOT_RUNNING', each.what);
			assert.equal(error.reason, each.reason, `${each.what}: ${error.message}`);
			assert.match(error.message, each.message, each.what);
			// The same words without --json.
			const plain = await tm(['tasks', '--host', each.url()], {env: each.env?.() ?? env});
			assert.equal(plain.code, 3, each.what);
			assert.match(plain.err, each.message, each.what);
		}
	});

	it('says the same for a command that runs there (tm history)', async () => {
		const result = await tm(['history', '--all', '--host', `ssh://root@127.0.0.1:${closedPort}`], {env});
		assert.equal(result.code, 3);
		assert.match(result.err, /Connection refused/);
	});
});
