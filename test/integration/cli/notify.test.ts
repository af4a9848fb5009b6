/**
 * Talking to the supervisor (SPEC §5) against a real daemon: a shell writing to fd 3 (the
 * reference), the real `tm progress/heartbeat/checkpoint/ready` run inside tasks (they use the
 * notify fd), and the same commands outside with `--task ID` (they use the socket).
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../../src/core/ipc/client.js';
import type {StatusDoc, TaskDetail, TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

after(killAllTm);

const repo = path.resolve(import.meta.dirname, '../../..');

/** A shell script that runs the real CLI as `tm` (through tsx, as the tests do). */
function script(dir: string, name: string, body: string): string {
	const file = path.join(dir, name);
	writeFileSync(
		file,
		`tm() { "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(repo, 'bin/tm.ts')}" "$@"; }\n${body}\n`,
	);
	return file;
}

describe('heartbeat, progress, ready and checkpoint', () => {
	it('inside a task through fd 3, outside with --task over the socket', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const inside = script(
			dir,
			'inside.sh',
			[
				'echo "first TM_CHECKPOINT=$TM_CHECKPOINT"',
				'tm progress 42 copying 3/7 || echo progress-failed',
				// The document says which way the message went: through the notify fd.
				"tm heartbeat --json | tr -d ' \\n' || echo heartbeat-failed",
				'echo',
				"printf 'state-7\\n' | tm checkpoint - || echo checkpoint-failed",
				'echo sent',
				'exec sleep 1000',
			].join('\n'),
		);
		const ready = script(dir, 'ready.sh', 'tm ready && echo said-ready\nexec sleep 1000');
		const program = (name: string, cmd: string, extra = '') => `  ${name}:\n    cmd: ${cmd}\n    starttime: 0\n    stoptime: 2\n    workingdir: ${dir}\n${extra}`;
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			'programs:\n' +
				program('ref', `"sh -c 'echo \\"PROGRESS=42 copying\\" >&3; echo WATCHDOG=1 >&3; echo STATUS=warming >&3; exec sleep 1000'"`) +
				program('inside', `sh ${inside}`) +
				program('selfready', `sh ${ready}`, '    ready: fd\n') +
				program('waiting', 'sleep 1000', '    ready: fd\n') +
				program('quiet', `"sh -c 'echo cp=$TM_CHECKPOINT; exec sleep 1000'"`),
		);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const status = async () => JSON.parse((await cli('status', '--json')).out || '{"tasks":[]}') as StatusDoc;
		const task = async (id: string) => (await status()).tasks.find(t => t.id === id);
		const until = (id: string, accept: (t: TaskStatus) => boolean, what: string) =>
			waitFor(() => task(id), t => t !== undefined && accept(t), {what, timeout: 30_000}) as Promise<TaskStatus>;
		const describeTask = async (id: string): Promise<TaskDetail> => {
			const client = await RpcClient.connect(path.join(home, 'tm.sock'));
			try {
				return await client.call('describe', {name: id});
			} finally {
				client.close();
			}
		};

		const logs = async (id: string) => (await cli('logs', id, '-n', '50')).out;

		try {
			// The reference: a shell writing the lines to fd 3 itself.
			const ref = await until('ref', t => t.progress === 42 && t.status === 'warming' && t.heartbeatAt !== null, 'ref to report');
			assert.equal(ref.progressText, 'copying');

			// The real CLI inside a task: the same lines through TM_NOTIFY_FD.
			await waitFor(() => logs('inside'), out => out.includes('sent'), {what: 'the inside script to finish sending', timeout: 30_000});
			assert.doesNotMatch(await logs('inside'), /failed/);
			assert.match(await logs('inside'), /\{"ok":true,"via":"fd","task":"inside"\}/);
			const inner = await until('inside', t => t.progress === 42, 'inside progress');
			assert.equal(inner.progressText, 'copying 3/7');
			assert.notEqual(inner.heartbeatAt, null);
			assert.equal((await describeTask('inside')).checkpointBytes, 'state-7'.length);

			// ready: fd: `tm ready` inside the task makes it running; one that never says it stays starting.
			const selfready = await until('selfready', t => t.state === 'running', 'selfready running');
			assert.equal(selfready.reason, 'ready');
			assert.equal((await task('waiting'))?.state, 'starting');

			// Outside, with --task, over the socket.
			const progress = await cli('progress', '77', 'from', 'outside', '--task', 'quiet', '--json');
			assert.equal(progress.code, 0, progress.err);
			assert.deepEqual(JSON.parse(progress.out), {ok: true, via: 'socket', task: 'quiet'});
			const heartbeat = await cli('heartbeat', '--task', 'quiet');
			assert.equal(heartbeat.code, 0, heartbeat.err);
			assert.equal(heartbeat.out, '');
			const quiet = await task('quiet');
			assert.equal(quiet?.progress, 77);
			assert.equal(quiet?.progressText, 'from outside');
			assert.notEqual(quiet?.heartbeatAt, null);
			assert.equal((await cli('ready', '--task', 'waiting')).code, 0);
			await until('waiting', t => t.state === 'running', 'waiting made ready from outside');
			assert.equal((await cli('checkpoint', 'offset=9', '--task', 'quiet')).code, 0);
			assert.equal((await describeTask('quiet')).checkpointBytes, 'offset=9'.length);

			// A restart hands the checkpoint to the next attempt in TM_CHECKPOINT.
			assert.equal((await cli('restart', 'quiet', 'inside')).code, 0);
			await waitFor(() => logs('quiet'), out => out.includes('cp=offset=9'), {what: 'quiet restarted with its checkpoint'});
			await waitFor(() => logs('inside'), out => out.includes('first TM_CHECKPOINT=state-7'), {what: 'inside restarted with its checkpoint', timeout: 30_000});

			// Mistakes: exit 2 with the reason, 4 for an unknown task.
			const bad = async (args: string[], code: number, pattern: RegExp) => {
				const result = await cli(...args);
				assert.equal(result.code, code, `${args.join(' ')}: ${result.err}`);
				assert.match(result.err, pattern);
			};

			await bad(['progress', '101', '--task', 'quiet'], 2, /a percent from 0 to 100, got "101"/);
			await bad(['progress', 'half', '--task', 'quiet'], 2, /got "half"/);
			await bad(['progress', '5', 'two\nlines', '--task', 'quiet'], 2, /cannot contain a line break/);
			await bad(['checkpoint', 'a\nb', '--task', 'quiet'], 2, /checkpoint data cannot contain a line break/);
			await bad(['checkpoint', 'x'.repeat(70_000), '--task', 'quiet'], 2, /checkpoint data is 70000 bytes; at most 65536/);
			await bad(['heartbeat'], 2, /not inside a task .*tm heartbeat --task ID/);
			await bad(['heartbeat', '--task', 'ghost'], 4, /no such task: ghost/);
			const json = await cli('ready', '--task', 'ghost', '--json');
			assert.equal((JSON.parse(json.err) as {error: {code: string}}).error.code, 'E_UNKNOWN_TASK');
			assert.equal((await task('quiet'))?.progress, 77, 'refused messages change nothing');

			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			assert.equal(await daemon.exited, 0);
		} finally {
			const left = await status().catch(() => ({tasks: []}) as unknown as StatusDoc);
			for (const t of left.tasks) {
				if (t.pid !== null) {
					try {
						process.kill(-t.pid, 'SIGKILL');
					} catch {
						// already gone
					}
				}
			}
		}
	});
});
