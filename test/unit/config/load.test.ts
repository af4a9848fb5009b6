import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {formatIssue, loadConfigFile, loadConfigText, maxConfigBytes, resolveConfigPath} from '../../../src/core/config/load.js';

describe('loadConfigFile', () => {
	let folder = '';
	before(async () => {
		folder = await mkdtemp(join(tmpdir(), 'tm-config-'));
		await mkdir(join(folder, 'conf'));
		await writeFile(
			join(folder, 'conf', 'tm.yaml'),
			'taskmaster:\n  logfile: logs/tmd.log\nprograms:\n  web:\n    cmd: ./serve\n    workingdir: ../srv\n    stdout: web.out.log\n    stderr: /var/log/web.err\n',
		);
		await writeFile(join(folder, 'bad.yaml'), 'programs:\n  web:\n    cmd: a\n    stoptime: ten\n');
	});
	after(async () => {
		await rm(folder, {recursive: true, force: true});
	});

	test('reads a file and resolves its relative paths against its folder', async () => {
		const result = await loadConfigFile(join(folder, 'conf', 'tm.yaml'));
		assert.ok(result.ok);
		const {file, daemon, programs} = result.value;
		assert.equal(file, join(folder, 'conf', 'tm.yaml'));
		assert.equal(daemon.logfile, join(folder, 'conf', 'logs', 'tmd.log'));
		assert.equal(programs[0]?.workingdir, join(folder, 'srv'));
		assert.equal(programs[0]?.stdout, join(folder, 'conf', 'web.out.log'));
		assert.equal(programs[0]?.stderr, '/var/log/web.err');
		assert.deepEqual(programs[0]?.argv, ['./serve'], 'argv is left as written');
	});

	test('a relative path is taken from the current folder', async () => {
		const result = await loadConfigFile(relative(process.cwd(), join(folder, 'conf', 'tm.yaml')));
		assert.ok(result.ok);
		assert.equal(result.value.file, join(folder, 'conf', 'tm.yaml'));
	});

	test('a bad file gives its issues', async () => {
		const path = join(folder, 'bad.yaml');
		const result = await loadConfigFile(path);
		assert.ok(!result.ok);
		assert.deepEqual(result.error.map(formatIssue), [
			`${path}:4:15 programs.web.stoptime: expected a duration like 30s, 5m or 500ms, got "ten"`,
		]);
	});

	test('a missing file is one issue at 1:1 naming the file and the fix', async () => {
		const path = join(folder, 'nope.yaml');
		const result = await loadConfigFile(path);
		assert.ok(!result.ok);
		assert.deepEqual(result.error, [
			{file: path, line: 1, col: 1, path: '', message: `cannot read config ${path}: no such file; pass -c FILE or create ./tm.yaml`},
		]);
		assert.equal(formatIssue(result.error[0]!), `${path}:1:1 cannot read config ${path}: no such file; pass -c FILE or create ./tm.yaml`);
	});

	test('a folder is not a config', async () => {
		const result = await loadConfigFile(folder);
		assert.ok(!result.ok);
		assert.match(result.error[0]?.message ?? '', /folder/);
	});

	test('a file past 8 MiB is refused unparsed, and only so much of it is read', async () => {
		const path = join(folder, 'huge.yaml');
		// Valid YAML all the same: one program, then a comment line of 8 MiB.
		await writeFile(path, `programs:\n  web:\n    cmd: a\n#${'x'.repeat(maxConfigBytes)}\n`);
		const result = await loadConfigFile(path);
		assert.ok(!result.ok);
		assert.deepEqual(result.error.map(formatIssue), [`${path}:1:1 cannot read config ${path}: more than 8 MiB, the most a config file may have`]);
		const endless = await loadConfigFile('/dev/zero');
		assert.ok(!endless.ok);
		assert.match(endless.error[0]?.message ?? '', /\/dev\/zero: more than 8 MiB/);
	});
});

describe('loadConfigText', () => {
	test('Config.file is absolute', () => {
		const result = loadConfigText('', 'tm.yaml');
		assert.ok(result.ok);
		assert.equal(result.value.file, join(process.cwd(), 'tm.yaml'));
	});
});

describe('resolveConfigPath', () => {
	const env = (existing: string[]) => ({
		cwd: '/work',
		xdgConfigHome: '/home/ann/.xdg',
		home: '/home/ann',
		exists: (path: string) => existing.includes(path),
	});

	test('an explicit path wins, even when it does not exist', () => {
		assert.equal(resolveConfigPath('other.yaml', env(['/work/tm.yaml'])), '/work/other.yaml', 'made absolute against the cwd');
	});

	test('then ./tm.yaml, then $XDG_CONFIG_HOME/tm/tm.yaml, then ~/.config/tm/tm.yaml', () => {
		const all = ['/work/tm.yaml', '/home/ann/.xdg/tm/tm.yaml', '/home/ann/.config/tm/tm.yaml'];
		assert.equal(resolveConfigPath(undefined, env(all)), '/work/tm.yaml');
		assert.equal(resolveConfigPath(undefined, env(all.slice(1))), '/home/ann/.xdg/tm/tm.yaml');
		assert.equal(resolveConfigPath(undefined, env(all.slice(2))), '/home/ann/.config/tm/tm.yaml');
		assert.equal(resolveConfigPath(undefined, env([])), null);
	});

	test('without XDG_CONFIG_HOME or HOME those are skipped', () => {
		const exists = (): boolean => true;
		assert.equal(resolveConfigPath(undefined, {cwd: '/w', exists: (path) => path !== '/w/tm.yaml'}), null);
		assert.equal(resolveConfigPath(undefined, {cwd: '/w', home: '/h', exists}), '/w/tm.yaml');
	});
});

describe('formatIssue', () => {
	test('file:line:col path: message', () => {
		const issue = {file: 'tm.yaml', line: 3, col: 5, path: 'programs.web.stoptme', message: 'unknown key; did you mean "stoptime"?'};
		assert.equal(formatIssue(issue), 'tm.yaml:3:5 programs.web.stoptme: unknown key; did you mean "stoptime"?');
	});
});
