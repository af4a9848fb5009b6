/**
 * `tm shell` end to end in a real terminal (an isolated tmux server, see helpers/terminal.ts)
 * against a real daemon in a temp home: `tm` alone opens it, commands run as on the command
 * line, Tab completes a command and a task name, ↑ brings back a line of the last session (the
 * history file in $TM_HOME), Ctrl-C clears the line, ends `logs -f` or stops waiting for
 * `run --wait`, `help` says which word leaves and which stops the daemon, `exit` and Ctrl-D
 * leave (promptly, whatever was left waiting), `shutdown` stops the daemon and the shell stays.
 * What is checked is the screen a person sees, and the daemon itself.
 */
import assert from 'node:assert/strict';
import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {closeTerminals, noTmux, Terminal} from '../helpers/terminal.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
/** Tasks' command line marker, to clean up whatever a killed daemon left. */
const marker = `85${String(process.pid).slice(-3)}5`;

const dirs: string[] = [];
after(() => {
	closeTerminals();
	killAllTm();
	killPids(pidsWithArg(marker));
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

/** The screen's lines up to the last one with text (the cursor's row, where the prompt is). */
function upToCursor(screen: string[]): string[] {
	const last = screen.findLastIndex(line => line.trim() !== '');
	return screen.slice(0, last + 1);
}

/** True when the screen ends with these lines (the last one where the cursor is). */
function endsWith(screen: string[], ...lines: Array<string | RegExp>): boolean {
	const shown = upToCursor(screen).slice(-lines.length);
	return shown.length === lines.length && lines.every((line, i) => (typeof line === 'string' ? shown[i] === line : line.test(shown[i] ?? '')));
}

describe('tm shell in a terminal', {skip: noTmux}, () => {
	it('runs commands, completes, keeps history across sessions, and leaves or shuts the daemon down as help says', async () => {
		const dir = tempDir('tm-shell-');
		dirs.push(dir);
		const home = path.join(dir, 'home');
		const program = (name: string) => `  ${name}:\n    cmd: "sh -c 'echo ${name} says hi; exec sleep ${marker}'"\n    starttime: 0\n    stoptime: 2\n`;
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n${program('web')}${program('worker')}`);
		// tm as a person runs it, in this home.
		writeFileSync(
			path.join(dir, 'tm'),
			`#!/bin/sh\nexport LANG=C.UTF-8 TM_HOME="${home}"\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(root, 'bin/tm.ts')}" "$@"\n`,
		);
		chmodSync(path.join(dir, 'tm'), 0o755);
		const status = async (): Promise<StatusDoc | null> => {
			const result = await tm(['status', '--json', '--home', home], {cwd: dir, env: {HOME: dir}});
			return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : null;
		};

		const task = async (name: string) => (await status())?.tasks.find(each => each.name === name);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(status, doc => doc !== null && doc.tasks.length === 2 && doc.tasks.every(t => t.state === 'running'), {what: 'two tasks running', timeout: 20_000});

		const term = new Terminal(dir, 140, 50);
		term.type("PS1='$ '; clear");
		term.keys('Enter');
		await term.until('the system shell', screen => endsWith(screen, '$'));

		// `tm` alone, in a terminal, is the shell.
		term.type('./tm');
		term.keys('Enter');
		await term.until('the banner and the prompt', screen => endsWith(screen, /^tm \S+ shell: help lists the commands, Tab completes, exit or Ctrl-D leaves$/, 'tm>'));

		term.type('status');
		term.keys('Enter');
		await term.until('the status table', screen => endsWith(screen, /^NAME +STATE/, /^web +running /, /^worker +running /, 'tm>'));

		// Tab: a command, then a task name (asked of the daemon).
		term.type('resta');
		term.keys('Tab');
		await term.until('restart completed', screen => endsWith(screen, 'tm> restart'));
		term.type('we');
		term.keys('Tab');
		await term.until('web completed', screen => endsWith(screen, 'tm> restart web'));
		term.keys('Enter');
		await term.until('web restarted', screen => endsWith(screen, 'web: running', 'tm>'));
		assert.equal((await task('web'))?.restarts, 1, 'the daemon restarted web');

		term.type('help');
		term.keys('Enter');
		const screen = await term.until('the help', s => endsWith(s, /^ {2}shutdown +stop every task and the daemon \(tm down\); the shell stays open$/, 'tm>'));
		assert.ok(screen.some(line => /^ {2}exit, quit +leave the shell \(also Ctrl-D\); the daemon and its tasks keep running$/.test(line)), screen.join('\n'));
		assert.ok(screen.some(line => /^ {2}logs \[options\] <name> +a task's output/.test(line)), 'every command');

		term.type('exit');
		term.keys('Enter');
		await term.until('the system shell again', s => endsWith(s, 'tm> exit', '$'));
		assert.equal((await task('web'))?.state, 'running', 'exit leaves the daemon alone');
		assert.deepEqual(readFileSync(path.join(home, 'shell_history'), 'utf8').split('\n'), ['status', 'restart web', 'help', 'exit', '']);

		// A second session: the first one's lines come back with ↑.
		term.type('./tm shell');
		term.keys('Enter');
		await term.until('a second prompt', s => endsWith(s, /shell: help lists the commands/, 'tm>'));
		term.keys('Up');
		await term.until('the last line of the last session', s => endsWith(s, 'tm> exit'));
		term.keys('Up', 'Up');
		await term.until('two lines further back', s => endsWith(s, 'tm> restart web'));
		term.keys('Enter');
		await term.until('web restarted again', s => endsWith(s, 'tm> restart web', 'web: running', 'tm>'));
		assert.equal((await task('web'))?.restarts, 2, 'the line from the history ran');

		// Ctrl-C drops the line being typed; during `logs -f` it ends the command, not the shell.
		term.type('stat');
		term.keys('C-c');
		await term.until('the line dropped', s => endsWith(s, 'tm> stat^C', 'tm>'));
		term.type('logs -f worker');
		term.keys('Enter');
		await term.until('logs following', s => endsWith(s, 'tm> logs -f worker', 'worker says hi'));
		term.keys('C-c');
		await term.until('the prompt after Ctrl-C', s => endsWith(s, 'tm> logs -f worker', 'worker says hi', '^C', 'tm>'));

		// A command that does not listen for Ctrl-C is no longer waited for: the prompt comes back,
		// and what the command left open does not keep the shell from leaving.
		term.type(`run --wait -- sleep ${marker}`);
		term.keys('Enter');
		await term.until('the job submitted', s => endsWith(s, `tm> run --wait -- sleep ${marker}`, /^j-[0-9a-f]+$/));
		term.keys('C-c');
		await term.until('the prompt back', s => endsWith(s, /^j-[0-9a-f]+$/, '^C', 'tm>'));

		// Ctrl-D leaves, with exit code 0.
		term.keys('C-d');
		await term.until('the system shell after Ctrl-D', s => endsWith(s, 'tm>', '$'));
		term.type('echo "rc=$?"');
		term.keys('Enter');
		await term.until('the exit code', s => endsWith(s, 'rc=0', '$'));

		// shutdown stops the daemon; the shell stays, and says there is no daemon.
		term.type('./tm shell');
		term.keys('Enter');
		await term.until('a third prompt', s => endsWith(s, /shell: help lists the commands/, 'tm>'));
		term.type('shutdown');
		term.keys('Enter');
		await term.until('the daemon stopped', s => endsWith(s, 'tm> shutdown', `tm: daemon ${daemon.pid} stopped`, 'tm>'));
		assert.equal(await daemon.exited, 0, daemon.stderr());
		term.type('status');
		term.keys('Enter');
		await term.until('no daemon', s => endsWith(s, /^tm: no tm daemon is running/, 'tm>'));
		// Tab with no daemon completes no names, and does not hold up the line.
		term.type('stop w');
		term.keys('Tab');
		term.type('eb');
		term.keys('Enter');
		await term.until('the line typed after Tab', s => endsWith(s, 'tm> stop web', /^tm: no tm daemon is running/, 'tm>'));
		term.type('quit');
		term.keys('Enter');
		await term.until('out of the shell', s => endsWith(s, 'tm> quit', '$'));
		assert.equal(pidsWithArg(marker).length, 0, 'no task left running');
	});
});
