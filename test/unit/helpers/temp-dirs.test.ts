/**
 * Test runs leave nothing in the system temp folder: the folders `tempDir` makes go when the
 * test file's process exits.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';

const harness = path.resolve(import.meta.dirname, '../../helpers/harness.ts');

describe('tempDir', () => {
	it('removes the folders it made when the process exits', () => {
		const script = `import {writeFileSync} from 'node:fs'; import {tempDir} from ${JSON.stringify(harness)}; const a = tempDir('tm-subscribe-'); writeFileSync(a + '/f', 'x'); console.log(a, tempDir());`;
		const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {encoding: 'utf8', env: {...process.env, TM_KEEP_TEMP: ''}});
		assert.equal(run.status, 0, run.stderr);
		const dirs = run.stdout.trim().split(' ');
		assert.equal(dirs.length, 2);
		for (const dir of dirs) {
			assert.equal(existsSync(dir), false, `${dir} is gone`);
		}
	});
});
