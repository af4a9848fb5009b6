/**
 * `tm run --wait` shows the job's output as it comes (stdout on stdout, stderr on stderr), every
 * line once and before the result line; `--quiet` does not; `--json` prints only the document.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const dir = tempDir('tm-run-wait-');
const home = path.join(dir, 'home');
let daemon: TmProcess | undefined;
const run = (...args: string[]) => tm(['run', '--home', home, ...args], {cwd: dir, env: {HOME: dir}});

before(async () => {
	writeFileSync(path.join(dir, 'tm.yaml'), 'programs: {}\n');
	daemon = runTm(['up', '--foreground'], {cwd: dir});
	await waitFor(async () => (await tm(['status', '--home', home], {cwd: dir, env: {HOME: dir}})).code, code => code === 0, {what: 'the daemon to answer'});
});

after(async () => {
	await tm(['down', '--home', home], {cwd: dir, env: {HOME: dir}});
	await daemon?.exited;
	killAllTm();
});

describe('tm run --wait', () => {
	it('shows what the job writes, stdout and stderr apart, then its result, and exits with its code', async () => {
		const result = await run('--wait', '--', 'sh', '-c', 'echo hello; echo oops >&2; echo bye; exit 3');
		assert.equal(result.code, 3);
		const lines = result.out.trim().split('\n');
		assert.match(lines[0] ?? '', /^j-/);
		assert.deepEqual(lines.slice(1, 3), ['hello', 'bye']);
		assert.match(lines.at(-1) ?? '', /^j-\S+: failed \(exit 3/);
		assert.equal(result.err, 'oops\n');
	});

	it('shows every line once, the last ones written just before the exit included', async () => {
		const result = await run('--wait', '--', 'sh', '-c', 'seq 1 600');
		assert.equal(result.code, 0, result.err);
		const numbers = result.out.trim().split('\n').slice(1, -1);
		assert.deepEqual(numbers, Array.from({length: 600}, (_, i) => String(i + 1)));
	});

	it('--quiet shows only the id and the result; --json only the document', async () => {
		const quiet = await run('--wait', '--quiet', '--', 'sh', '-c', 'echo hello');
		assert.equal(quiet.code, 0);
		assert.doesNotMatch(quiet.out, /hello/);
		const json = await run('--wait', '--json', '--', 'sh', '-c', 'echo hello');
		assert.equal(json.code, 0);
		assert.equal((JSON.parse(json.out) as {state: string}).state, 'completed');
	});
});
