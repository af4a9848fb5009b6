/**
 * The spawner with real processes, through tm's spawn addon (posix_spawn) and through
 * node:child_process: both must give a task the same world (its own session, stdin on /dev/null,
 * default signal dispositions and mask, argv[0], env, cwd, umask, fd 3) and report the same exits.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {systemClock} from '../../src/core/clock.js';
import {nativeSpawnProblem, signalProcess} from '../../src/core/process/native-spawn.js';
import {processStartTime} from '../../src/core/process/proc.js';
import {spawnTask, type SpawnRequest} from '../../src/core/process/spawner.js';
import {killPids} from '../helpers/procs.js';
import {alive, waitFor} from '../helpers/wait.js';

const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'tm-spawner-')));
const pids: number[] = [];
after(() => {
	killPids(pids);
	rmSync(dir, {recursive: true, force: true});
});

type Outcome = {pid: number; startTime: string | null; stdout: string; stderr: string; notify: string; code: number | null; signal: string | null};

async function run(argv: string[], extra: Partial<SpawnRequest> = {}, whileRunning?: (pid: number) => void): Promise<Outcome> {
	const out = {stdout: '', stderr: '', notify: '', startTime: null as string | null};
	let pid = 0;
	const exit = await new Promise<{code: number | null; signal: string | null}>((resolve, reject) => {
		const started = spawnTask(
			{argv, env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', ONLY: 'this'}, cwd: dir, umask: null, user: null, group: null, daemonizes: false, ...extra},
			{
				onStdout: chunk => (out.stdout += chunk.toString()),
				onStderr: chunk => (out.stderr += chunk.toString()),
				onNotify: chunk => (out.notify += chunk.toString()),
				onStarted: (started, startTime) => {
					pid = started;
					out.startTime = startTime;
					pids.push(started);
					whileRunning?.(started);
				},
				onTracked: tracked => pids.push(tracked),
				onSpawnError: message => reject(new Error(message)),
				onExit: (code, signal) => resolve({code, signal}),
			},
			systemClock,
		);
		if (!started.ok) {
			reject(new Error(started.error.message));
			return;
		}

	});
	return {pid, ...out, ...exit};
}

const probe = [
	'echo "ppid-is-session-leader $(ps -o sid= -p $$ | tr -d " ") $$"',
	'echo "stdin $(readlink /proc/self/fd/0)"',
	'echo "argv0 $0"',
	'echo "env $(env | grep -c .) $ONLY"',
	'[ -z "$HOME" ] || echo "HOME leaked: $HOME"',
	'echo "cwd $(pwd)"',
	'echo "umask $(umask)"',
	// Builtins only: the shell's own mask, read while it forks nothing (sh blocks every signal around a fork).
	'while IFS= read -r line; do case $line in SigBlk*|SigIgn*) echo "$line";; esac; done < /proc/$$/status',
	'echo to-stderr >&2',
	'echo READY=1 >&3',
	'exit 7',
].join('; ');

function checkWorld(outcome: Outcome): void {
	const lines = outcome.stdout.trim().split('\n');
	const [, sid, self] = lines[0]?.split(' ') ?? [];
	assert.equal(sid, self, `the task leads its own session: ${lines[0]}`);
	assert.equal(lines[1], 'stdin /dev/null');
	assert.equal(lines[2], 'argv0 /bin/sh');
	assert.match(lines[3] ?? '', /^env \d+ this$/);
	assert.equal(lines[4], `cwd ${dir}`);
	assert.equal(lines[5], 'umask 0027');
	assert.equal(lines[6], 'SigBlk:\t0000000000000000', 'no signal blocked');
	// Signals 1–31 (glibc keeps its internal real-time signals, 32 and 33, ignored in both paths).
	assert.equal(BigInt(`0x${lines[7]?.split('\t')[1] ?? ''}`) & 0x7fffffffn, 0n, `no signal ignored (node ignores SIGPIPE): ${lines[7]}`);
	assert.equal(outcome.stderr, 'to-stderr\n');
	assert.equal(outcome.notify, 'READY=1\n');
	assert.equal(outcome.code, 7);
	assert.equal(outcome.signal, null);
}

describe('the spawner', () => {
	it('runs tasks through the spawn addon (npm ci builds it)', () => {
		assert.equal(nativeSpawnProblem(), process.env['TM_SPAWN'] === 'child_process' ? 'TM_SPAWN=child_process' : null);
	});

	it('gives a task its own session, /dev/null stdin, default signals, argv[0], env, cwd, umask and fd 3', async () => {
		checkWorld(await run(['/bin/sh', '-c', probe], {umask: 0o027}));
	});

	it('gives the same world to a start on a worker thread (no umask asked: libuv workers block every signal)', async () => {
		const outcome = await run(['/bin/sh', '-c', probe]);
		const lines = outcome.stdout.trim().split('\n');
		assert.equal(lines[6], 'SigBlk:\t0000000000000000', 'no signal blocked');
		assert.equal(BigInt(`0x${lines[7]?.split('\t')[1] ?? ''}`) & 0x7fffffffn, 0n, `no signal ignored: ${lines[7]}`);
		assert.equal(outcome.notify, 'READY=1\n');
		assert.equal(outcome.code, 7);
	});

	it('gives the same world through node:child_process (a user switch, or TM_SPAWN=child_process)', async () => {
		const self = process.getuid?.() ?? 0;
		// Naming the current user asks for no switch when not root, and a real setuid when root: both through node.
		const user = (await run(['/usr/bin/id', '-un'])).stdout.trim();
		const outcome = await run(['/bin/sh', '-c', probe], {umask: 0o027, user: self === 0 ? user : null});
		checkWorld(outcome);
	});

	it('passes the task fds 0 to 3 and nothing else the daemon holds', async t => {
		if (nativeSpawnProblem() !== null) {
			t.skip(`through node:child_process a task inherits what the daemon inherited without close-on-exec (${nativeSpawnProblem()})`);
			return;
		}

		const outcome = await run(['/bin/sh', '-c', 'ls /proc/$$/fd']);
		assert.deepEqual(outcome.stdout.trim().split('\n').map(Number).sort((a, b) => a - b), [0, 1, 2, 3]);
	});

	it('reports a death by signal with the signal name, and signals the whole group', async () => {
		const outcome = await run(['/bin/sh', '-c', 'sleep 60 & echo $!; wait'], {}, pid => {
			setTimeout(() => process.kill(-pid, 'SIGTERM'), 200);
		});
		assert.equal(outcome.code, null);
		assert.equal(outcome.signal, 'SIGTERM');
		const sleeper = Number(outcome.stdout.trim());
		await waitFor(() => alive(sleeper), isAlive => !isAlive, {what: `the sleep (pid ${sleeper}) in the group to be gone`});
	});

	it('reads the start time of each start where it ran, as /proc has it (a pid is never trusted alone)', async t => {
		if (nativeSpawnProblem() !== null) {
			t.skip(`node:child_process starts leave it to the supervisor to read /proc (${nativeSpawnProblem()})`);
			return;
		}

		for (const umask of [null, 0o022]) {
			let seen: string | null = null;
			const outcome = await run(['/bin/sh', '-c', 'read -r line <&3 || true'], {umask}, pid => {
				seen = processStartTime(pid);
				process.kill(pid, 'SIGTERM');
			});
			assert.match(outcome.startTime ?? '', /^\d+$/, `umask ${umask}: a start time`);
			assert.equal(outcome.startTime, seen, `umask ${umask}: the one /proc/<pid>/stat says`);
		}
	});

	it('signals a process group, and says false without throwing when it is gone', async () => {
		let signalled: boolean | null = null;
		const outcome = await run(['/bin/sh', '-c', 'sleep 60 & wait'], {}, pid => {
			signalled = signalProcess(-pid, 'SIGTERM');
		});
		assert.equal(signalled, true);
		assert.equal(outcome.signal, 'SIGTERM');
		// The group's last member may be reaped by init a moment after the shell's exit was reported.
		await waitFor(() => signalProcess(-outcome.pid, 'SIGKILL'), sent => !sent, {what: `group ${outcome.pid} to be gone`});
		assert.equal(signalProcess(-outcome.pid, 'SIGNOPE'), false);
	});

	it('delivers every byte written before the exit, then the exit', async () => {
		const outcome = await run(['/bin/sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x; echo; exit 0']);
		assert.equal(outcome.stdout.length, 300001);
		assert.equal(outcome.code, 0);
	});

	it('refuses what cannot start with an error naming the command', async () => {
		const text = path.join(dir, 'notes.txt');
		writeFileSync(text, 'not a program\n', {mode: 0o644});
		await assert.rejects(run([text]), /notes\.txt/);
		await assert.rejects(run(['no-such-command-anywhere']), /no-such-command-anywhere/);
		await assert.rejects(run(['/bin/true'], {cwd: path.join(dir, 'missing')}), /missing/);
	});

	it('starts 200 short tasks in a row and reports each exit once', async () => {
		const outcomes = await Promise.all(Array.from({length: 200}, (_, i) => run(['/bin/sh', '-c', `exit ${i % 3}`])));
		assert.deepEqual(
			outcomes.map(o => o.code),
			Array.from({length: 200}, (_, i) => i % 3),
		);
	});
});
