/**
 * The pure parts of --host: the ssh:// address, the ssh command line tm builds from it (the
 * user's TM_SSH_COMMAND first, the remote words quoted for the remote shell), the mux framing,
 * and which failure ssh's words mean.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {controlFrame, dataFrame, errorFrame, LineSplitter, parseFrame} from '../../../src/core/client/mux-frames.js';
import {shellWord, splitWords, sshCommand} from '../../../src/core/client/ssh-command.js';
import {sshFailure} from '../../../src/core/client/ssh-errors.js';
import {parseSshUrl} from '../../../src/core/client/ssh-url.js';

describe('ssh:// addresses', () => {
	it('reads user, host, port and the remote paths', () => {
		const target = parseSshUrl('ssh://deploy@web1:2222?home=/srv/tm&tm=/opt/tm/bin/tm');
		assert.deepEqual(
			{user: target.user, host: target.host, port: target.port, home: target.home, socket: target.socket, tm: target.tm, label: target.label},
			{user: 'deploy', host: 'web1', port: 2222, home: '/srv/tm', socket: null, tm: '/opt/tm/bin/tm', label: 'deploy@web1:2222'},
		);
		assert.equal(parseSshUrl('ssh://web1', 'east').label, 'east');
		assert.equal(parseSshUrl('ssh://[::1]:22').host, '::1');
		assert.equal(parseSshUrl('ssh://web1').tm, 'tm');
	});

	it('refuses what it cannot mean, saying why', () => {
		for (const [text, why] of [
			['web1', /not an ssh:\/\/ address/],
			['ssh://web1/run/tm.sock', /\?socket=PATH/],
			['ssh://u:secret@web1', /no passwords/],
			['ssh://web1?port=2', /unknown parameter port/],
			['ssh://web1?home=/a&socket=/b', /not both/],
		] as const) {
			assert.throws(() => parseSshUrl(text), (error: Error & {code?: string}) => error.code === 'E_USAGE' && why.test(error.message), text);
		}
	});
});

describe('the ssh command line', () => {
	it('puts TM_SSH_COMMAND first (ssh keeps the first value), tm’s options after, the remote words quoted', () => {
		const target = parseSshUrl("ssh://root@127.0.0.1:2022?home=/tmp/it's here");
		const {command, args} = sshCommand(target, [target.tm, 'dial-stdio', '--mux', '--home', target.home!], {TM_SSH_COMMAND: 'ssh -F "/tmp/my config" -o ConnectTimeout=3'});
		assert.equal(command, 'ssh');
		assert.deepEqual(args.slice(0, 4), ['-F', '/tmp/my config', '-o', 'ConnectTimeout=3']);
		assert.ok(args.includes('BatchMode=yes'));
		assert.deepEqual(args.slice(-7, -2), ['-p', '2022', '-l', 'root', '--']);
		assert.equal(args.at(-2), '127.0.0.1');
		assert.equal(args.at(-1), "tm dial-stdio --mux --home '/tmp/it'\\''s here'");
		assert.equal(sshCommand(parseSshUrl('ssh://h'), ['tm'], {}).command, 'ssh');
	});

	it('splits words as sh does, and quotes only what needs it', () => {
		assert.deepEqual(splitWords(`ssh -i ~/k -o 'A B' "C \\"D\\"" E\\ F`), ['ssh', '-i', '~/k', '-o', 'A B', 'C "D"', 'E F']);
		assert.equal(shellWord('/opt/tm'), '/opt/tm');
		assert.equal(shellWord('~/bin/tm'), '~/bin/tm');
		assert.equal(shellWord('a b'), "'a b'");
		assert.equal(shellWord('$(x)'), "'$(x)'");
	});
});

describe('the mux framing', () => {
	it('frames data and control lines and reads them back', () => {
		const line = dataFrame(3, Buffer.from('{"jsonrpc":"2.0","id":1}'));
		assert.equal(line.toString(), '3 {"jsonrpc":"2.0","id":1}\n');
		assert.deepEqual(parseFrame(line.subarray(0, -1)), {channel: 3, kind: 'data', payload: Buffer.from('{"jsonrpc":"2.0","id":1}')});
		assert.deepEqual(parseFrame(Buffer.from(controlFrame(0, 'open').trim())), {channel: 0, kind: 'open'});
		assert.deepEqual(parseFrame(Buffer.from(errorFrame(1, 'E_DAEMON_NOT_RUNNING', 'no daemon').trim())), {channel: 1, kind: 'error', code: 'E_DAEMON_NOT_RUNNING', message: 'no daemon'});
		assert.equal(parseFrame(Buffer.from('x {}')), null);
		assert.equal(parseFrame(Buffer.from('1 !what')), null);
	});

	it('splits lines across chunks, and refuses one past the limit', () => {
		const lines = new LineSplitter(10);
		assert.deepEqual(lines.push(Buffer.from('ab')), []);
		assert.deepEqual(lines.push(Buffer.from('c\nde\nf')).map(String), ['abc', 'de']);
		assert.deepEqual(lines.push(Buffer.from('\n')).map(String), ['f']);
		assert.throws(() => lines.push(Buffer.from('x'.repeat(11))), RangeError);
	});
});

describe('what ssh said', () => {
	const target = parseSshUrl('ssh://root@web1:2022');
	const reason = (code: number | null, stderr: string): unknown => sshFailure(target, code, stderr).details?.['reason'];

	it('tells the cases apart', () => {
		assert.equal(reason(255, 'ssh: connect to host web1 port 2022: Connection refused\r\n'), 'unreachable');
		assert.equal(reason(255, 'ssh: Could not resolve hostname web1: Name or service not known\n'), 'unreachable');
		assert.equal(reason(255, 'root@web1: Permission denied (publickey).\n'), 'auth');
		assert.equal(reason(255, 'No ED25519 host key is known for [web1]:2022 and you have requested strict checking.\nHost key verification failed.\n'), 'host-key');
		assert.equal(reason(255, '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n'), 'host-key');
		assert.equal(reason(127, 'bash: line 1: tm: command not found\n'), 'no-tm');
		assert.equal(reason(1, "error: unknown command 'dial-stdio'\n"), 'old-tm');
		assert.equal(reason(1, 'something else\n'), 'ssh');
		assert.match(sshFailure(target, 255, 'Host key verification failed.\n').message, /ssh -p 2022 root@web1/);
	});
});
