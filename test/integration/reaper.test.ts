/**
 * The daemon as a child subreaper reaps the orphans tasks leave, and never a child started
 * through node:child_process in the same process (tm's own, or a library's: a test's browser
 * beside a daemon run in process), which libuv waits for by its pid: taken first, its owner would
 * wait for an exit that never comes.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {tmAddon} from '../../src/core/native-addon.js';
import {becomeSubreaper, reapAdopted} from '../../src/core/process/reaper.js';
import {waitFor} from '../helpers/wait.js';

/** The state letter of `pid`, or null once it is gone (reaped). */
function stateOf(pid: number): string | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
	} catch {
		return null;
	}
}

describe('the subreaper', {skip: tmAddon() === null ? "tm's addon is not built" : false}, () => {
	it('leaves a child_process child of another module to libuv, whose exit event comes with its code', async () => {
		assert.equal(becomeSubreaper(), null);
		const child = spawn('sh', ['-c', 'exit 3'], {stdio: 'ignore'});
		const exited = new Promise<number | null>(resolve => child.once('exit', resolve));
		const pid = child.pid ?? 0;
		// Without yielding to the event loop, libuv cannot reap it first: it waits as a zombie.
		const deadline = Date.now() + 10_000;
		while (stateOf(pid) !== 'Z' && Date.now() < deadline) {
			// Spins: a timer would let libuv take the exit before the reaper is asked.
		}

		assert.equal(stateOf(pid), 'Z', `pid ${pid} did not exit within 10 s`);
		assert.equal(reapAdopted(), 0, 'the reaper took a child libuv waits for');
		assert.equal(await exited, 3);
	});

	it('reaps an orphan re-parented to it', async () => {
		assert.equal(becomeSubreaper(), null);
		const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!'], {stdio: ['ignore', 'pipe', 'ignore']});
		let out = '';
		parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		await new Promise(resolve => parent.once('exit', resolve));
		const orphan = Number(out.trim());
		assert.ok(orphan > 0, `no pid printed: ${out}`);
		await waitFor(() => stateOf(orphan), state => state === null, {what: `orphan ${orphan} reaped`, timeout: 10_000});
	});
});
