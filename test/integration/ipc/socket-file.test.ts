import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {createServer} from 'node:net';
import {ManualClock, systemClock} from '../../../src/core/clock.js';
import {TmError} from '../../../src/core/errors.js';
import {RpcClient} from '../../../src/core/ipc/client.js';
import {RpcServer} from '../../../src/core/ipc/server.js';
import {waitFor} from '../../helpers/wait.js';

const root = mkdtempSync('/tmp/tmipc-');
after(() => rmSync(root, {recursive: true, force: true}));
let n = 0;
const freshDir = (): string => path.join(root, `d${n++}`);

const server = (socketPath: string): RpcServer =>
	new RpcServer({socketPath, handlers: {ping: () => 'pong'}, version: '0.0.0-test', clock: systemClock});

function isTmError(code: string, message?: RegExp | string) {
	return (error: unknown): boolean => {
		assert.ok(error instanceof TmError, `expected a TmError, got ${String(error)}`);
		assert.equal(error.code, code);
		if (typeof message === 'string') {
			assert.equal(error.message, message);
		} else if (message) {
			assert.match(error.message, message);
		}

		return true;
	};
}

describe('the socket file', () => {
	it('creates its folder 0700 and the socket 0600, and removes it on close', async () => {
		const folder = path.join(freshDir(), 'home');
		const socketPath = path.join(folder, 'tm.sock');
		const s = server(socketPath);
		await s.listen();
		try {
			assert.equal(statSync(folder).mode & 0o777, 0o700);
			const st = statSync(socketPath);
			assert.ok(st.isSocket());
			assert.equal(st.mode & 0o777, 0o600);
			const client = await RpcClient.connect(socketPath);
			assert.equal(await client.callUntyped('ping'), 'pong');
			await client.close();
		} finally {
			await s.close();
		}

		assert.equal(existsSync(socketPath), false);
	});

	it('leaves the mode of a folder it did not create', async () => {
		const folder = freshDir();
		mkdirSync(folder, {mode: 0o755});
		const s = server(path.join(folder, 'tm.sock'));
		await s.listen();
		await s.close();
		assert.equal(statSync(folder).mode & 0o777, 0o755);
	});

	it('refuses a second server on a live path with E_DAEMON_RUNNING', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		const first = server(socketPath);
		await first.listen();
		try {
			await assert.rejects(server(socketPath).listen(), isTmError('E_DAEMON_RUNNING', `a tm daemon is already running on ${socketPath}`));
			// The first one is untouched.
			const client = await RpcClient.connect(socketPath);
			assert.equal(await client.callUntyped('ping'), 'pong');
			await client.close();
		} finally {
			await first.close();
		}
	});

	it('cleans up the stale socket of a daemon that was killed', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		mkdirSync(path.dirname(socketPath), {recursive: true});
		const script = `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
		const child = spawnSync(process.execPath, ['-e', script]);
		assert.equal(child.signal, 'SIGKILL');
		assert.ok(statSync(socketPath).isSocket(), 'the dead daemon left its socket behind');
		await assert.rejects(RpcClient.connect(socketPath), isTmError('E_DAEMON_NOT_RUNNING'));

		const s = server(socketPath);
		await s.listen();
		try {
			const client = await RpcClient.connect(socketPath);
			assert.equal(await client.callUntyped('ping'), 'pong');
			await client.close();
		} finally {
			await s.close();
		}
	});

	it('refuses to replace a file that is not a socket', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		mkdirSync(path.dirname(socketPath), {recursive: true});
		writeFileSync(socketPath, 'precious');
		await assert.rejects(server(socketPath).listen(), isTmError('E_USAGE', /is not a socket/));
		assert.ok(statSync(socketPath).isFile());
	});

	it('refuses a path too long for a Unix socket', async () => {
		const socketPath = path.join(root, 'x'.repeat(120), 'tm.sock');
		await assert.rejects(server(socketPath).listen(), isTmError('E_USAGE', /socket path too long/));
		await assert.rejects(RpcClient.connect(socketPath), isTmError('E_USAGE', /socket path too long/));
	});
});

describe('a client talking to something that is not a tm daemon', () => {
	it('fails the waiting call with E_PROTOCOL when a line is not JSON', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		mkdirSync(path.dirname(socketPath), {recursive: true});
		const impostor = createServer(socket =>
			socket.on('data', chunk => {
				const request = JSON.parse(String(chunk)) as {id: number; method: string};
				socket.write(
					request.method === 'hello'
						? `${JSON.stringify({jsonrpc: '2.0', id: request.id, result: {protocol: 1, version: 'x', pid: 1}})}\n`
						: 'this is not json\n',
				);
			}),
		);
		await new Promise<void>(resolve => impostor.listen(socketPath, resolve));
		try {
			const client = await RpcClient.connect(socketPath);
			const closed = new Promise<TmError | null>(resolve => client.onClose(resolve));
			await assert.rejects(client.call('status', {}), isTmError('E_PROTOCOL', /sent a line that is not JSON/));
			assert.equal((await closed)?.code, 'E_PROTOCOL');
			await assert.rejects(client.call('status', {}), isTmError('E_DAEMON_NOT_RUNNING'));
		} finally {
			impostor.close();
		}
	});
});

describe('a client with no daemon', () => {
	it('gives up on a socket that never answers hello, through the clock', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		mkdirSync(path.dirname(socketPath), {recursive: true});
		let heard = '';
		const mute = createServer(socket => socket.on('data', chunk => (heard += String(chunk))));
		await new Promise<void>(resolve => mute.listen(socketPath, resolve));
		try {
			const clock = new ManualClock();
			const connecting = RpcClient.connect(socketPath, {clock, timeoutMs: 3000});
			await waitFor(() => heard, text => text.includes('"hello"'), {what: 'the hello request'});
			clock.advance(3000);
			await assert.rejects(connecting, isTmError('E_DAEMON_NOT_RUNNING', /did not answer hello within/));
		} finally {
			mute.close();
		}
	});

	it('says no daemon is running when the socket is missing', async () => {
		const socketPath = path.join(freshDir(), 'tm.sock');
		await assert.rejects(
			RpcClient.connect(socketPath),
			isTmError('E_DAEMON_NOT_RUNNING', `no tm daemon is running (socket ${socketPath}); start it with \`tm up\``),
		);
	});
});
