/**
 * Every command against a daemon on "another machine": a real OpenSSH server on 127.0.0.1 (temp
 * keys, temp config: test/helpers/sshd.ts) running this checkout's tm as the remote one, the
 * daemon under its own home. Each command line runs in-process with `--host
 * ssh://root@127.0.0.1:PORT?home=…` and its exit code and output are checked; `logs -f` and
 * `events -f` run as processes that a Ctrl-C ends, leaving nothing on the remote side; `tm shell
 * --host` runs each line there.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids, pidsWithArg} from '../../helpers/procs.js';
import {localEnv, remoteDaemon, type RemoteDaemon} from '../../helpers/remote.js';
import {sshdMissing, startSshd, type Sshd} from '../../helpers/sshd.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

const marker = `87${String(process.pid).slice(-3)}1`;
const config = `programs:
  web:
    cmd: sleep ${marker}
    starttime: 0
    stoptime: 2
    # The heartbeat row below arms the watchdog: the rows must not race its default 30s on a loaded machine.
    watchdog: 1h
  tick:
    cmd: "sh -c 'while :; do echo tick; sleep 0.2; done' ${marker}"
    starttime: 0
    stoptime: 2
`;

type Row = {argv: string[]; code?: number; out?: RegExp; check?: (out: string) => void};

/** In order: each row may depend on what the rows before it did. */
const rows: Row[] = [
	{argv: ['status'], out: /web\s+running[\s\S]*tick\s+running|tick\s+running[\s\S]*web\s+running/},
	{argv: ['status', 'web', '--json'], check: out => assert.equal((JSON.parse(out) as {tasks: Array<{name: string}>}).tasks[0]?.name, 'web')},
	{argv: ['tasks'], out: /web/},
	{argv: ['show', 'web'], out: /web/},
	{argv: ['show', 'nosuch'], code: 4},
	{argv: ['stop', 'web'], out: /web/},
	{argv: ['status', 'web'], out: /web\s+stopped/},
	{argv: ['start', 'web'], out: /web/},
	{argv: ['restart', 'web'], out: /web/},
	{argv: ['signal', 'SIGCONT', 'web'], out: /web/},
	{argv: ['heartbeat', '--task', 'web']},
	{argv: ['run', '--name', 'hello', '--wait', '--', 'echo', 'hello from afar']},
	{argv: ['logs', 'hello'], out: /hello from afar/},
	{argv: ['run', '--name', 'sleeper', '--', 'sleep', marker], out: /sleeper|j-/},
	{argv: ['pause', 'sleeper'], out: /paused/},
	{argv: ['resume', 'sleeper'], out: /running|resumed/},
	{argv: ['cancel', 'sleeper'], out: /stopped|cancel/},
	{argv: ['run', '--name', 'failing', '--retries', '0', '--wait', '--', 'false'], code: 1},
	{argv: ['retry', 'failing'], out: /j-|failing/},
	// A command added after the transport (issue 18): it connects through the seam, so --host just works.
	{argv: ['run', '--name', 'doomed', '--', 'sleep', marker], out: /doomed|j-/},
	{argv: ['fail', 'doomed'], out: /failed/},
	{argv: ['logs', 'tick', '-n', '2'], out: /^tick\ntick\n$/},
	{argv: ['reload', '--dry-run'], code: 0},
	// These read tm.db: the whole command line runs there (tm dial-stdio --exec).
	{argv: ['events', '-n', '3', 'web'], out: /web/},
	{argv: ['history', 'web'], out: /runs of web/},
	{argv: ['history', '--all', '--json'], check: out => assert.ok((JSON.parse(out) as {events: unknown[]}).events.length > 0)},
	{argv: ['history', 'nosuch'], code: 4},
];

describe('every command through --host ssh://', {skip: sshdMissing() ?? false}, () => {
	let sshd: Sshd;
	let dir: string;
	let remote: RemoteDaemon;
	let env: Record<string, string>;

	before(async () => {
		sshd = await startSshd();
		dir = tempDir('tm-ssh-');
		env = localEnv(sshd, dir);
		remote = await remoteDaemon(sshd, dir, 'east', config);
	});

	after(async () => {
		killAllTm();
		killPids(pidsWithArg(marker));
		await sshd?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	it('runs each command there, with its exit code and output', async () => {
		for (const row of rows) {
			const result = await tm(['--host', remote.url, ...row.argv], {env});
			const what = `tm ${row.argv.join(' ')} --host …: ${result.err}`;
			assert.equal(result.code, row.code ?? 0, what);
			if (row.out) {
				assert.match(result.out, row.out, what);
			}

			row.check?.(result.out);
		}

		// Nothing left on the remote side: each dial-stdio ended with its command.
		await waitFor(() => pidsWithArg(remote.home), pids => pids.length === 0, {what: 'no remote tm dial-stdio left'});
	});

	it('takes TM_HOST and a named host, and tm host add/ls/rm keep the names', async () => {
		assert.equal((await tm(['status', 'web'], {env: {...env, TM_HOST: remote.url}})).code, 0);
		assert.equal((await tm(['host', 'add', 'east', remote.url], {env})).code, 0);
		const listed = await tm(['host', 'ls', '--json'], {env});
		assert.deepEqual((JSON.parse(listed.out) as {hosts: unknown[]}).hosts, [{name: 'east', url: remote.url}]);
		const named = await tm(['status', 'web', '--host', 'east'], {env});
		assert.match(named.out, /web\s+running/, named.err);
		assert.equal((await tm(['host', 'rm', 'east'], {env})).code, 0);
		const gone = await tm(['status', '--host', 'east'], {env});
		assert.equal(gone.code, 2);
		assert.match(gone.err, /tm host ls/);
	});

	it('follows a log with logs -f until Ctrl-C, and ends its remote side', async () => {
		const follow = runTm(['logs', 'tick', '-f', '-n', '0', '--host', remote.url], {cwd: dir, env});
		await waitFor(() => follow.stdout().split('\n').filter(line => line === 'tick').length, count => count >= 3, {timeout: 30_000, what: 'tick lines through ssh'});
		await waitFor(() => pidsWithArg(remote.home).length, count => count > 0, {what: 'the remote dial-stdio'});
		process.kill(follow.pid, 'SIGINT');
		assert.equal(await follow.exited, 0, follow.stderr());
		await waitFor(() => pidsWithArg(remote.home), pids => pids.length === 0, {what: 'the remote dial-stdio gone'});
	});

	it('follows events with events -f (run there), and Ctrl-C here ends the command there', async () => {
		const follow = runTm(['events', '-f', '-n', '0', 'web', '--host', remote.url], {cwd: dir, env});
		await waitFor(() => pidsWithArg(remote.home).length, count => count > 0, {timeout: 30_000, what: 'the remote tm events'});
		// Found before it has subscribed, maybe: restart until a change comes through.
		const restarted = async (): Promise<string> => {
			await tm(['restart', 'web', '--no-wait', '--home', remote.home]);
			return follow.stdout();
		};

		await waitFor(restarted, out => /web\s+\S+ -> \S+/.test(out), {timeout: 30_000, interval: 1000, what: 'a restart as events'});
		process.kill(follow.pid, 'SIGINT');
		assert.equal(await follow.exited, 0, follow.stderr());
		await waitFor(() => pidsWithArg(remote.home), pids => pids.length === 0, {what: 'the remote tm events gone'});
	});

	it('tm shell --host runs each line there, the commands that run there too', () => {
		// `sshd.tm` is this checkout's tm as a command; here it is the local one.
		const shell = spawnSync(sshd.tm, ['shell', '--host', remote.url], {env: {...env}, input: 'status web\nhistory web -n 1\n', encoding: 'utf8'});
		assert.equal(shell.status, 0, shell.stderr);
		assert.match(shell.stdout, /web\s+running/);
		assert.match(shell.stdout, /runs of web/);
	});

	it('stops the remote daemon with down', async () => {
		const result = await tm(['down', '--host', remote.url], {env});
		assert.equal(result.code, 0, result.err);
		await waitFor(() => alive(remote.daemon.pid), up => !up, {what: 'the remote daemon gone'});
	});
});
