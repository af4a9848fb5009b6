import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import type {StatusDoc} from '../../../src/core/ipc/methods.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../../..');

after(killAllTm);

describe('tm validate', () => {
	it('accepts the Taskmaster seed config unchanged, warning that this machine lacks its folder', async () => {
		const result = await tm(['validate', '-c', path.join(root, 'examples/taskmaster.yaml')]);
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /ok \(1 programs, 1 tasks, 1 warning\)/);
		assert.match(result.err, /warning: programs\.teste: workingdir does not exist: \/home\/user\/Desktop\/taskmaster/);
	});

	it('warns about a command, folder or user this machine lacks (exit 0), and --strict makes them errors (exit 2)', async () => {
		const dir = tempDir();
		const file = path.join(dir, 'tm.yaml');
		writeFileSync(
			file,
			'programs:\n  typo:\n    cmd: pythn3 -m http.server\n  nowhere:\n    cmd: sleep 1\n    workingdir: /no/such/folder\n  nobody:\n    cmd: sleep 1\n    user: no-such-user-here\n  fine:\n    cmd: sleep 1\n',
		);
		const result = await tm(['validate', '-c', file], {cwd: dir, env: {PATH: process.env['PATH']}});
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /ok \(4 programs, 4 tasks, 3 warnings\)/);
		assert.match(result.err, /warning: programs\.typo: .*pythn3/);
		assert.match(result.err, /warning: programs\.nowhere: .*\/no\/such\/folder/);
		assert.match(result.err, /warning: programs\.nobody: .*no-such-user-here/);
		const strict = await tm(['validate', '--strict', '--json', '-c', file], {cwd: dir, env: {PATH: process.env['PATH']}});
		assert.equal(strict.code, 2);
		const doc = JSON.parse(strict.out) as {valid: boolean; warnings: Array<{program: string}>};
		assert.equal(doc.valid, false);
		assert.deepEqual(doc.warnings.map(warning => warning.program), ['typo', 'nowhere', 'nobody']);
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

	it('a start that cannot happen on this machine fails once, with the cause, not startretries times', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  typo:\n    cmd: pythn3 -m http.server\n    startretries: 3\n    backoff: {initial: 10ms}\n');
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const task = await waitFor(
			async () => (JSON.parse((await cli('status', '--json')).out || '{"tasks":[]}') as StatusDoc).tasks.find(t => t.id === 'typo'),
			t => t?.state === 'fatal',
			{what: 'typo fatal'},
		);
		assert.equal(task?.failures, 1, 'one failed start');
		assert.equal(task?.restarts, 0);
		assert.equal(task?.cause, 'spawn_failed');
		assert.match(task?.reason ?? '', /pythn3.*; not retried: fix it, then tm start$/);
		await cli('down');
		await daemon.exited;
	});
});
