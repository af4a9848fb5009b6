/**
 * Who can read task output, checked as another user (`runuser -u nobody`): a real daemon in a
 * home that already existed 0755 writes its logs 0600 in a 0700 `logs/`, a program with a
 * `group` shares its log with that group only (0640), and the home open to others, like a log
 * file an older tm left 0644, is warned about once at start (`tm up` output and the daemon log).
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc} from '../../../src/core/ipc/methods.js';
import {resolveGroup} from '../../../src/core/process/users.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids, pidsWithArg} from '../../helpers/procs.js';
import {daemonLog, killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const marker = `1000.${process.pid}`;

after(() => {
	killAllTm();
	killPids(pidsWithArg(marker));
});

const users = resolveGroup('users');
const runuser = spawnSync('runuser', ['--version']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root (to read as nobody, and to run a program as a group)' : !runuser ? 'runuser is not installed' : users.ok ? false : 'no group "users"';

/** `cat file` as nobody (with `group` as its group): what it printed, or null when it could not read. */
function catAs(file: string, group?: string): string | null {
	const result = spawnSync('runuser', ['-u', 'nobody', ...(group ? ['-g', group] : []), '--', 'cat', file], {encoding: 'utf8'});
	return result.status === 0 ? result.stdout : null;
}

/** A temp dir others may enter, with a home in it that already exists 0755 (`--home /var/lib/tm`). */
function openHome(): {dir: string; home: string} {
	const dir = tempDir();
	chmodSync(dir, 0o755);
	const home = path.join(dir, 'home');
	mkdirSync(home, {mode: 0o755});
	chmodSync(home, 0o755);
	return {dir, home};
}

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('log files and other users', {skip}, () => {
	it('a daemon in a 0755 home writes logs nobody can read, shares a group\'s log with that group only, and warns once about what is open', async () => {
		const {dir, home} = openHome();
		const legacy = path.join(dir, 'legacy', 'legacy.out.log');
		mkdirSync(path.dirname(legacy), {mode: 0o755});
		writeFileSync(legacy, 'written by an older tm\n', {mode: 0o644});
		chmodSync(legacy, 0o644);
		const say = (word: string): string => `cmd: "sh -c 'echo ${word}; exec sleep ${marker}'"`;
		const shared = path.join(dir, 'shared', 'shared.out.log');
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			[
				'taskmaster:',
				'  logfile: ./home/tmd.log',
				'  http: off',
				'programs:',
				'  web:',
				`    ${say('secret-web')}`,
				'  shared:',
				`    ${say('secret-shared')}`,
				'    group: users',
				`    stdout: ${shared}`,
				`    stderr: ${shared}`,
				'  legacy:',
				`    ${say('secret-legacy')}`,
				`    stdout: ${legacy}`,
				'',
			].join('\n'),
		);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const web = path.join(home, 'logs', 'web.out.log');
		await waitFor(
			async () => {
				const result = await cli('status', '--json');
				return result.code === 0 ? (JSON.parse(result.out) as StatusDoc).tasks.map(task => task.state) : [];
			},
			states => states.length === 3 && states.every(state => state === 'running'),
			{what: 'web, shared and legacy running'},
		);
		await waitFor(() => [web, shared, legacy].map(file => readFileSync(file, 'utf8')).join(''), text => /secret-web[^]*secret-shared[^]*secret-legacy/.test(text), {
			what: 'every program\'s line in its log',
		});

		assert.equal(mode(path.join(home, 'logs')), 0o700);
		assert.equal(mode(web), 0o600);
		assert.equal(mode(path.join(home, 'tmd.log')), 0o600);
		assert.equal(catAs(web), null, 'nobody cannot read web\'s log');
		assert.equal(catAs(path.join(home, 'tmd.log')), null, 'nor the daemon log');

		assert.equal(mode(shared), 0o640);
		assert.equal(statSync(shared).gid, users.ok ? users.value : -1);
		assert.equal(mode(path.dirname(shared)), 0o750);
		assert.equal(catAs(shared), null, 'nobody outside the group cannot read the shared log');
		assert.match(catAs(shared, 'users') ?? '', /secret-shared/, 'a member of the group can');

		assert.equal(mode(legacy), 0o644, 'a file tm did not create keeps its mode');
		const homeWarning = `the tm home ${home} is open to other users (mode 0755)`;
		const legacyWarning = `a log file in ${path.dirname(legacy)} can be read by other users (legacy.out.log 0644)`;
		const said = daemon.stderr();
		assert.equal(said.split(homeWarning).length - 1, 1, said);
		assert.equal(said.split(legacyWarning).length - 1, 1, said);
		assert.doesNotMatch(said, /can be read by other users \((web|shared)/);
		const notes = daemonLog(path.join(home, 'tmd.log')).map(line => line.message ?? '');
		assert.ok(notes.some(note => note.startsWith(homeWarning)) && notes.some(note => note.startsWith(legacyWarning)), notes.join('\n'));

		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0);
	});

	it('tm up in the background says the same to the person starting it; a private home says nothing', async () => {
		const {dir, home} = openHome();
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n  web:\n    cmd: sleep ${marker}\n`);
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH']}});
		const up = await cli('up');
		assert.equal(up.code, 0, up.err);
		assert.match(up.err, new RegExp(`^tm: the tm home ${home} is open to other users \\(mode 0755\\).*; chmod 700 ${home}\\n$`));
		assert.equal((await cli('down')).code, 0);

		chmodSync(home, 0o700);
		const again = await cli('up');
		assert.equal(again.code, 0, again.err);
		assert.equal(again.err, '');
		assert.equal((await cli('down')).code, 0);
	});
});
