/**
 * A run joins its cgroups before its exec (the spawn addon's clone path), with real cgroups on
 * this machine: the program's first instruction already runs in them, so a double fork as fast as
 * it gets cannot escape; the task gets the same world as a posix_spawn start (session, stdin,
 * signals, fds, cwd, umask, user); what it leaves behind, even with its environment cleared (which
 * hides it from tm's subreaper markers), is found in the cgroup and killed with it, and the cgroup
 * goes. Skipped, with the reason, where this machine cannot make cgroups.
 */
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {Cgroups} from '../../../src/core/cgroups/cgroups.js';
import {systemClock} from '../../../src/core/clock.js';
import {spawnTask, type SpawnRequest} from '../../../src/core/process/spawner.js';
import {homeFolders, machineMode, noCgroups, noController, removeHomeCgroups} from '../../helpers/cgroups.js';
import {killPids} from '../../helpers/procs.js';
import {alive, waitFor} from '../../helpers/wait.js';

const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tm-cgroup-join-')));
const home = path.join(dir, 'home');
const pids: number[] = [];
const warnings: string[] = [];
const cgroups = new Cgroups({home, off: null, clock: systemClock, pollMs: 200, warn: message => warnings.push(message), spawnProblem: null});

before(() => {
	if (noCgroups === false) {
		assert.equal(cgroups.open(), machineMode);
	}
});

after(async () => {
	killPids(pids);
	await cgroups.close();
	await removeHomeCgroups(home);
	rmSync(dir, {recursive: true, force: true});
});

type Outcome = {pid: number; stdout: string; code: number | null; signal: string | null; escaped: number[]; oom: string | null};

async function run(argv: string[], extra: Partial<SpawnRequest> = {}, id = 'join'): Promise<Outcome> {
	let stdout = '';
	let pid = 0;
	const exit = await new Promise<Omit<Outcome, 'pid' | 'stdout'>>((resolve, reject) => {
		const request: SpawnRequest = {argv, env: {PATH: '/usr/bin:/bin'}, cwd: dir, umask: null, user: null, group: null, daemonizes: false, cgroup: {id, memory: null, cpu: null}, ...extra};
		const started = spawnTask(
			request,
			{
				onStdout: chunk => (stdout += chunk.toString()),
				onStderr: () => {},
				onNotify: () => {},
				onStarted: started => {
					pid = started;
					pids.push(started);
				},
				onTracked: tracked => pids.push(tracked),
				onSpawnError: message => reject(new Error(message)),
				onExit: (code, signal, escaped, oom) => resolve({code, signal, escaped, oom}),
			},
			systemClock,
			cgroups,
		);
		if (!started.ok) {
			reject(new Error(started.error.message));
		}
	});
	return {pid, stdout, ...exit};
}

/** The cgroup a process was in, per hierarchy line of /proc/<pid>/cgroup as it printed it. */
const unifiedLine = (text: string): string | undefined => text.split('\n').find(line => line.startsWith('0::'));

describe('a run joins its cgroups before its exec', {skip: noCgroups}, () => {
	it('the program\'s first read of /proc/self/cgroup already names its run\'s cgroups: with limits in every hierarchy tm uses, without in the unified one', async () => {
		const limits = {memory: 256 * 1024 * 1024, cpu: 1};
		const outcome = await run(['/bin/cat', '/proc/self/cgroup'], {cgroup: {id: 'first-read', ...limits}}, 'first-read');
		const folders = homeFolders(home);
		const joined = outcome.stdout.split('\n').filter(line => line.endsWith(`/${path.basename(folders[0] ?? '')}/first-read`));
		assert.equal(joined.length, folders.length, outcome.stdout);
		assert.ok(joined.some(line => line.startsWith('0::')), 'the unified hierarchy\'s line is one');
		await waitFor(() => existsSync(path.join(folders[0] ?? '', 'first-read')), there => !there, {what: 'the run\'s cgroup to be removed after its exit'});

		const plain = await run(['/bin/cat', '/proc/self/cgroup'], {}, 'plain-read');
		const lines = plain.stdout.split('\n').filter(line => line.endsWith(`/${path.basename(folders[0] ?? '')}/plain-read`));
		assert.deepEqual(lines.map(line => line.split(':')[0]), ['0'], plain.stdout);
	});

	it('gives the task the world a posix_spawn start gives: session, /dev/null stdin, no blocked or ignored signal, fds 0-3 only, cwd, umask', async () => {
		const probe = [
			'echo "sid $(ps -o sid= -p $$ | tr -d " ") $$"',
			'echo "stdin $(readlink /proc/self/fd/0)"',
			'echo "cwd $(pwd)"',
			'echo "umask $(umask)"',
			'while IFS= read -r line; do case $line in SigBlk*|SigIgn*) echo "$line";; esac; done < /proc/$$/status',
		].join('; ');
		const lines = (await run(['/bin/sh', '-c', probe], {umask: 0o027}, 'world')).stdout.trim().split('\n');
		const [, sid, self] = lines[0]?.split(' ') ?? [];
		assert.equal(sid, self, `the task leads its own session: ${lines[0]}`);
		assert.equal(lines[1], 'stdin /dev/null');
		assert.equal(lines[2], `cwd ${dir}`);
		assert.equal(lines[3], 'umask 0027');
		assert.equal(lines[4], 'SigBlk:\t0000000000000000');
		assert.equal(BigInt(`0x${lines[5]?.split('\t')[1] ?? ''}`) & 0x7fffffffn, 0n, `no signal ignored: ${lines[5]}`);
		// Alone: a command substitution or a pipe would add the shell's own fds.
		const fds = (await run(['/bin/sh', '-c', 'ls /proc/$$/fd'], {}, 'fds')).stdout.trim().split('\n');
		assert.deepEqual(fds.map(Number).sort((a, b) => a - b), [0, 1, 2, 3]);
	});

	it('switches user in the child, after joining (the cgroup is root\'s; the program runs as nobody)', {skip: process.getuid?.() === 0 ? false : 'switching users needs root'}, async () => {
		const outcome = await run(['/bin/sh', '-c', 'id -u; id -G; cat /proc/self/cgroup'], {user: 'nobody'}, 'as-nobody');
		const [uid, groups] = outcome.stdout.split('\n');
		assert.equal(uid, '65534');
		assert.doesNotMatch(groups ?? '', /\b0\b/, 'no supplementary group of root');
		assert.match(unifiedLine(outcome.stdout) ?? '', /\/as-nobody$/);
	});

	it('a fast double fork, even one that cleared its environment, is in the cgroup when the main process exits, and is killed with it', async () => {
		const outcome = await run(['/bin/sh', '-c', 'setsid sleep 1011 & env -i setsid sleep 1012 & exit 0'], {}, 'double-fork');
		assert.equal(outcome.code, 0);
		assert.equal(outcome.escaped.length, 2, `both background sleeps were left behind: ${outcome.escaped.join(', ')}`);
		pids.push(...outcome.escaped);
		for (const pid of outcome.escaped) {
			await waitFor(() => alive(pid), isAlive => !isAlive, {what: `the escaped sleep ${pid} to be killed with its run`});
		}

		await waitFor(() => existsSync(path.join(homeFolders(home)[0] ?? '', 'double-fork')), there => !there, {what: 'the run\'s cgroup to be removed'});
	});

	it('a start that cannot exec is an error naming execve, and leaves no cgroup', async () => {
		// Found and executable, but its interpreter is not there: execve fails in the child, after it joined.
		const script = path.join(dir, 'no-interpreter');
		writeFileSync(script, '#!/nonexistent/interpreter\n', {mode: 0o755});
		await assert.rejects(run([script], {}, 'no-exec'), /execve ENOENT/);
		await waitFor(() => existsSync(path.join(homeFolders(home)[0] ?? '', 'no-exec')), there => !there, {what: 'the failed start\'s cgroup to be removed'});
	});

	it('over its v1 or v2 memory limit the kernel kills it, and the exit says oom', {skip: noController('memory')}, async () => {
		const outcome = await run(['/bin/sh', '-c', 'head -c 200M /dev/zero | tail'], {cgroup: {id: 'hog', memory: 32 * 1024 * 1024, cpu: null}}, 'hog');
		assert.match(outcome.oom ?? '', /^oom: the kernel killed 1 process at max_memory 32M \(v[12] memory cgroup\)$/);
		assert.deepEqual(warnings, []);
	});
});
