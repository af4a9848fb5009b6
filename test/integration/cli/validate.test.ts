import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';

const root = path.resolve(import.meta.dirname, '../../..');

describe('tm validate', () => {
	it('accepts the Taskmaster seed config unchanged', async () => {
		const result = await tm(['validate', '-c', path.join(root, 'examples/taskmaster.yaml')]);
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /ok \(1 programs, 1 tasks\)/);
	});

	it('lists all five mistakes with line and column, and exits 2', async () => {
		const file = path.join(root, 'test/fixtures/config/five-mistakes.yaml');
		const result = await tm(['validate', '-c', file]);
		assert.equal(result.code, 2);
		const lines = result.err.trim().split('\n');
		assert.equal(lines.length, 6, result.err);
		for (const line of lines.slice(0, 5)) {
			assert.match(line, /five-mistakes\.yaml:\d+:\d+ \S+: /);
		}

		assert.match(lines[5] ?? '', /5 problems/);
	});

	it('reports the issues as JSON with --json', async () => {
		const file = path.join(root, 'test/fixtures/config/five-mistakes.yaml');
		const result = await tm(['validate', '--json', '-c', file]);
		assert.equal(result.code, 2);
		const doc = JSON.parse(result.out) as {valid: boolean; issues: Array<{line: number; col: number; path: string; message: string}>};
		assert.equal(doc.valid, false);
		assert.equal(doc.issues.length, 5);
		assert.ok(doc.issues.every(i => i.line > 0 && i.col > 0 && i.path && i.message));
	});

	it('names a missing file and the fix', async () => {
		const result = await tm(['validate', '-c', '/nonexistent/tm.yaml']);
		assert.equal(result.code, 2);
		assert.match(result.err, /\/nonexistent\/tm\.yaml/);
	});

	it('finds ./tm.yaml when no -c is given, and says how to fix a missing one', async () => {
		const dir = tempDir();
		const none = await tm(['validate'], {cwd: dir});
		assert.equal(none.code, 2);
		assert.match(none.err, /pass -c FILE/);
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  a:\n    cmd: /bin/true\n');
		const found = await tm(['validate'], {cwd: dir});
		assert.equal(found.code, 0, found.err);
	});

	it('an unknown command is a usage error (exit 2)', async () => {
		const result = await tm(['frobnicate']);
		assert.equal(result.code, 2);
		assert.match(result.err, /unknown command/);
	});
});
