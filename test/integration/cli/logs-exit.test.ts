/**
 * `tm logs` as a real process: an unknown name ends the process with exit 4 (the connection
 * must not keep it alive), and a known one prints and exits 0.
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

describe('tm logs as a process', () => {
	it('exits 4 for an unknown task instead of hanging, and 0 for a known one', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  talk:\n    cmd: sh -c "echo hello; sleep 1000"\n    starttime: 0\n');
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(async () => (await tm(['logs', 'talk', '--home', home], {cwd: dir})).out, out => out.includes('hello'), {what: 'talk output'});
		const unknown = runTm(['logs', 'nope', '--home', home], {cwd: dir});
		assert.equal(await unknown.exited, 4, unknown.stderr());
		assert.match(unknown.stderr(), /no such task: nope/);
		const known = runTm(['logs', 'talk', '--home', home], {cwd: dir});
		assert.equal(await known.exited, 0, known.stderr());
		assert.match(known.stdout(), /hello/);
		assert.equal((await tm(['down', '--home', home], {cwd: dir})).code, 0);
		await daemon.exited;
	});
});
