/**
 * A job's arrival is one event in its history: submitted, and why it waits, together (not a
 * `stopped -> queued` followed by a `queued -> queued` for the reason).
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

after(killAllTm);

type History = {events: Array<{data: {from?: string; to?: string; reason?: string; cause?: string}}>};

describe('a job waiting for a slot', () => {
	it('arrives in its history as one event that says why it waits', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'taskmaster:\n  max_running: 1\nprograms:\n  busy:\n    cmd: sleep 1000\n    starttime: 0\n');
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('status', 'busy', '--json')).out, out => out.includes('"running"'), {what: 'busy running'});
		const submitted = await tm(['run', '--name', 'second', '--json', '--home', home, '--', 'true'], {cwd: dir, env: {HOME: dir}});
		assert.equal(submitted.code, 0, submitted.err);
		const id = (JSON.parse(submitted.out) as {id: string}).id;
		const history = await waitFor(
			async () => JSON.parse((await cli('history', id, '--json')).out || '{"events":[]}') as History,
			doc => doc.events.some(e => e.data.reason?.startsWith('waiting for a slot') === true),
			{what: 'the arrival in the history'},
		);
		const moves = history.events.map(e => `${e.data.from} -> ${e.data.to}: ${e.data.reason}`);
		assert.deepEqual(moves, ['stopped -> queued: waiting for a slot (max_running 1)'], JSON.stringify(history.events));
		await cli('down');
		await daemon.exited;
	});
});
