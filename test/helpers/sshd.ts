/**
 * A real OpenSSH server for the --host tests, all in a temp folder: host and user keys made by
 * ssh-keygen, `authorized_keys` there (AuthorizedKeysFile), 127.0.0.1 on a free port, never
 * the machine's own sshd or keys. tm's ssh is pointed at it explicitly with TM_SSH_COMMAND
 * (`ssh -F <folder>/ssh_config`: that key, that known_hosts, strict checking).
 *
 * The remote `tm` is `<folder>/bin/tm`, a wrapper running this checkout's bin/tm.ts, put on the
 * remote PATH by sshd's `SetEnv PATH=…` (`remotePath: false` leaves it off: no tm there).
 */
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {freePort} from './ports.js';
import {waitFor} from './wait.js';

const root = path.resolve(import.meta.dirname, '../..');
export const sshdBinary = '/usr/sbin/sshd';

export type Sshd = {
	dir: string;
	port: number;
	/** `ssh://root@127.0.0.1:PORT`. */
	url: string;
	/** The environment tm's ssh needs: TM_SSH_COMMAND with the temp ssh_config. */
	env: Record<string, string>;
	/** The remote tm wrapper's path (also on the remote PATH unless `remotePath: false`). */
	tm: string;
	pid: number;
	stop(): Promise<void>;
};

/** Why the tests cannot run here, or null. */
export function sshdMissing(): string | null {
	try {
		execFileSync(sshdBinary, ['-V'], {stdio: 'ignore'});
		execFileSync('ssh', ['-V'], {stdio: 'ignore'});
		return null;
	} catch {
		return 'needs OpenSSH (openssh-server and openssh-client; .ci/run installs them)';
	}
}

function keygen(file: string): string {
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tm-test', '-f', file], {stdio: 'ignore'});
	return readFileSync(`${file}.pub`, 'utf8').trim();
}

function listening(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** The remote tm: this checkout, through tsx (absolute: the remote shell starts in $HOME). */
function writeWrapper(file: string): void {
	const tsx = fileURLToPath(import.meta.resolve('tsx'));
	writeFileSync(file, `#!/bin/sh\nexec ${process.execPath} --import ${tsx} ${path.join(root, 'bin/tm.ts')} "$@"\n`);
	chmodSync(file, 0o755);
}

export async function startSshd(options: {remotePath?: boolean; knownHost?: boolean} = {}): Promise<Sshd> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-sshd-'));
	const port = await freePort();
	const hostKey = keygen(path.join(dir, 'host_key'));
	writeFileSync(path.join(dir, 'authorized_keys'), `${keygen(path.join(dir, 'id_user'))}\n`);
	writeFileSync(path.join(dir, 'known_hosts'), options.knownHost === false ? '' : `[127.0.0.1]:${port} ${hostKey}\n`);
	mkdirSync(path.join(dir, 'bin'));
	const tm = path.join(dir, 'bin', 'tm');
	writeWrapper(tm);
	const remotePath = options.remotePath === false ? '/usr/local/nothing' : `${path.join(dir, 'bin')}:/usr/bin:/bin`;
	writeFileSync(
		path.join(dir, 'sshd_config'),
		[
			`Port ${port}`,
			'ListenAddress 127.0.0.1',
			`HostKey ${path.join(dir, 'host_key')}`,
			`AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
			`PidFile ${path.join(dir, 'sshd.pid')}`,
			// The tests run as root, and the temp folder is not root's own home.
			'StrictModes no',
			'PermitRootLogin prohibit-password',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'UsePAM no',
			// Another user is refused, whatever key it offers: the authentication test's.
			'AllowUsers root',
			`SetEnv PATH=${remotePath}`,
			'LogLevel ERROR',
		].join('\n') + '\n',
	);
	writeFileSync(
		path.join(dir, 'ssh_config'),
		[
			'Host *',
			`  IdentityFile ${path.join(dir, 'id_user')}`,
			'  IdentitiesOnly yes',
			`  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
			'  GlobalKnownHostsFile /dev/null',
			'  StrictHostKeyChecking yes',
			'  User root',
			'  LogLevel ERROR',
		].join('\n') + '\n',
	);
	// sshd refuses to start without its privilege separation folder (Debian makes it at boot).
	mkdirSync('/run/sshd', {recursive: true, mode: 0o755});
	const child: ChildProcess = spawn(sshdBinary, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	await waitFor(() => listening(port), Boolean, {what: `sshd on port ${port} (${stderr})`});
	return {
		dir,
		port,
		url: `ssh://root@127.0.0.1:${port}`,
		env: {TM_SSH_COMMAND: `ssh -F ${path.join(dir, 'ssh_config')}`},
		tm,
		pid: child.pid!,
		async stop() {
			// By pid: sshd's own, which ends the sessions it forked.
			child.kill('SIGTERM');
			await exited;
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
