/**
 * Starting at boot: `tm startup` makes a unit systemd accepts, `--install` writes and enables
 * it, and `tm up --foreground` tells systemd (through NOTIFY_SOCKET) that it is ready and when
 * it stops, without handing NOTIFY_SOCKET to its tasks.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const verifier = has('systemd-analyze') ? false : 'systemd-analyze is not installed (apt-get install systemd to run this check)';
const notifier =
	!has('systemd-notify') ? 'systemd-notify is not installed (it comes with systemd)' : !has('python3') ? 'python3 (the test receiver of sd_notify datagrams) is not installed' : false;

const config = ['programs:', '  sleeper:', '    cmd: sleep 1000', '    stoptime: 45', '    starttime: 0', ''].join('\n');
const children: ChildProcess[] = [];
after(() => {
	killAllTm();
	for (const child of children) {
		child.kill('SIGKILL');
	}
});

function project(): {dir: string; file: string; env: Record<string, string>} {
	const dir = tempDir('tm-startup-');
	const file = path.join(dir, 'tm.yaml');
	writeFileSync(file, config);
	return {dir, file, env: {HOME: dir, PATH: process.env['PATH'] ?? '/usr/bin:/bin'}};
}

/** `systemd-analyze verify` on the unit; its complaints (even "ignoring" ones, which exit 0) fail the test. */
function verify(unit: string, dir: string, user: boolean): void {
	const file = path.join(dir, 'tm.service');
	writeFileSync(file, unit);
	const runtime = path.join(dir, 'runtime');
	mkdirSync(runtime, {recursive: true, mode: 0o700});
	const result = spawnSync('systemd-analyze', [...(user ? ['--user'] : []), 'verify', file], {
		encoding: 'utf8',
		env: {...process.env, XDG_RUNTIME_DIR: runtime},
	});
	assert.equal(result.status, 0, result.stderr);
	assert.doesNotMatch(result.stderr, /tm\.service/, result.stderr);
}

describe('tm startup', () => {
	it('prints a system unit that runs tm up --foreground with this home and config', async () => {
		const {dir, file, env} = project();
		const home = path.join(dir, 'state');
		const result = await tm(['startup', '--home', home, '-c', 'tm.yaml'], {cwd: dir, env});
		assert.equal(result.code, 0, result.err);
		const unit = result.out;
		const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
		assert.ok(exec.startsWith(`${process.execPath} `), exec);
		assert.ok(exec.endsWith(` up --foreground --home ${home} -c ${file}`), exec);
		assert.match(unit, /^KillMode=process$/m);
		assert.match(unit, /^Restart=on-failure$/m);
		assert.match(unit, /^RestartPreventExitStatus=2$/m);
		assert.match(unit, /^TimeoutStopSec=90$/m);
		assert.match(unit, new RegExp(`^WorkingDirectory=${dir}$`, 'm'));
		assert.match(unit, /^WantedBy=multi-user\.target$/m);
		assert.match(unit, has('systemd-notify') ? /^Type=notify\nNotifyAccess=all$/m : /^Type=exec$/m);
		assert.match(result.err, /runs tm from this checkout/, 'says that a unit made through tsx depends on the checkout');
		rmSync(dir, {recursive: true, force: true});
	});

	it('makes a system unit that systemd-analyze verify accepts', {skip: verifier}, async () => {
		const {dir, env} = project();
		const result = await tm(['startup', '--home', path.join(dir, 'state')], {cwd: dir, env});
		assert.equal(result.code, 0, result.err);
		verify(result.out, dir, false);
		rmSync(dir, {recursive: true, force: true});
	});

	it('makes a user unit that systemd-analyze --user verify accepts', {skip: verifier}, async () => {
		const {dir, env} = project();
		const result = await tm(['startup', '--user'], {cwd: dir, env});
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /^WantedBy=default\.target$/m);
		assert.doesNotMatch(result.out, /^User=/m);
		verify(result.out, dir, true);
		rmSync(dir, {recursive: true, force: true});
	});

	it('refuses an invalid config with its problems and exit 2', async () => {
		const {dir, env} = project();
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  a:\n    cmd: sleep 1\n    stoptime: ten\n');
		const result = await tm(['startup'], {cwd: dir, env});
		assert.equal(result.code, 2);
		assert.match(result.err, /programs\.a\.stoptime: expected a duration/);
		assert.equal(result.out, '');
		rmSync(dir, {recursive: true, force: true});
	});

	it('--install --user writes the unit where systemd looks and enables it', async () => {
		const {dir, env} = project();
		// A stand-in systemctl that records how it was called.
		const bin = path.join(dir, 'bin');
		mkdirSync(bin);
		writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> '${dir}/systemctl.calls'\n`);
		chmodSync(path.join(bin, 'systemctl'), 0o755);
		const configHome = path.join(dir, 'config');
		const result = await tm(['startup', '--user', '--install', '--name', 'tm-test', '--json'], {
			cwd: dir,
			env: {...env, PATH: `${bin}:${env['PATH']}`, XDG_CONFIG_HOME: configHome},
		});
		assert.equal(result.code, 0, result.err);
		const doc = JSON.parse(result.out) as {path: string; installed: boolean; enabled: boolean};
		assert.equal(doc.path, path.join(configHome, 'systemd/user/tm-test.service'));
		assert.deepEqual([doc.installed, doc.enabled], [true, true]);
		assert.match(readFileSync(doc.path, 'utf8'), /^ExecStart=.* up --foreground /m);
		assert.equal(readFileSync(path.join(dir, 'systemctl.calls'), 'utf8'), '--user daemon-reload\n--user enable tm-test.service\n');
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('tm up --foreground under systemd (NOTIFY_SOCKET)', () => {
	it('sends READY=1 with its pid once serving, STOPPING=1 on SIGTERM, and hides NOTIFY_SOCKET from tasks', {skip: notifier}, async () => {
		const dir = tempDir('tm-notify-');
		const socket = path.join(dir, 'notify.sock');
		// The receiving end of sd_notify: a unix datagram socket, which Node cannot open. It closes
		// the barrier fd systemd-notify sends, as systemd does, so systemd-notify returns at once.
		const receiver = spawn(
			'python3',
			[
				'-u',
				'-c',
				[
					'import array, os, socket, sys',
					's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
					's.bind(sys.argv[1])',
					'print("bound", flush=True)',
					'while True:',
					'    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))',
					'    for level, kind, data in anc:',
					'        fds = array.array("i"); fds.frombytes(data[:len(data) - len(data) % 4])',
					'        [os.close(fd) for fd in fds]',
					'    print(msg.decode().replace("\\n", " "), flush=True)',
				].join('\n'),
				socket,
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		children.push(receiver);
		let received = '';
		receiver.stdout.on('data', (chunk: Buffer) => (received += chunk.toString()));
		await waitFor(() => received, r => r.includes('bound'), {what: 'the receiver to bind'});

		writeFileSync(
			path.join(dir, 'tm.yaml'),
			'programs:\n  peek:\n    cmd: "sh -c \'echo notify=${NOTIFY_SOCKET:-none}; exec sleep 1000\'"\n    starttime: 0\n',
		);
		const daemon = runTm(['up', '--foreground'], {cwd: dir, env: {NOTIFY_SOCKET: socket}});
		const ready = await waitFor(() => received, r => r.includes('READY=1'), {what: 'READY=1'});
		assert.match(ready, new RegExp(`READY=1 STATUS=supervising 1 tasks from \\S+ MAINPID=${daemon.pid}`));
		const log = path.join(dir, 'home/logs/peek.out.log');
		const printed = await waitFor(() => (existsSync(log) ? readFileSync(log, 'utf8') : ''), text => text.endsWith('\n'), {what: 'the task to print'});
		assert.equal(printed, 'notify=none\n');

		daemon.child.kill('SIGTERM');
		assert.equal(await daemon.exited, 0, daemon.stderr());
		assert.match(received, /STATUS=stopping every task STOPPING=1/);
		rmSync(dir, {recursive: true, force: true});
	});
});
