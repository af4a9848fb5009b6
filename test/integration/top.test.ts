/**
 * `tm top` end to end in a real terminal: an isolated tmux server (its own socket, no config)
 * at 80x24 runs a shell, the shell runs `tm top` against a real daemon in a temp home. What is
 * checked is what a person would see on the screen (`capture-pane`), polled with a deadline;
 * a failure shows the last screen.
 */
import assert from 'node:assert/strict';
import {chmodSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {closeTerminals, noTmux, Terminal} from '../helpers/terminal.js';
import {killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
/** Tasks' command line marker, to clean up whatever a killed daemon left. */
const marker = `86${String(process.pid).slice(-3)}7`;

const dirs: string[] = [];
after(() => {
	closeTerminals();
	killAllTm();
	killPids(pidsWithArg(marker));
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

/** The task table's row of `name` (the marker, glyph and name columns come first). */
function rowOf(screen: string[], name: string): string | undefined {
	return screen.slice(2).find(line => new RegExp(`^[ >]\\S ${name.replaceAll(':', '\\:')} `).test(line));
}

/** A right-aligned cell: from the end of the previous title to the end of this one. */
function cell(screen: string[], name: string, title: string): string | undefined {
	const header = screen[1] ?? '';
	const end = header.search(new RegExp(`\\b${title}\\b`)) + title.length;
	const previousEnd = header.slice(0, end - title.length).trimEnd().length;
	return rowOf(screen, name)?.slice(previousEnd, end).trim();
}

describe('tm top in a terminal', {skip: noTmux}, () => {
	it('lists the tasks, restarts with j r y, filters with /, survives a daemon restart, and q gives the terminal back', async () => {
		const dir = tempDir('tm-top-');
		dirs.push(dir);
		const home = path.join(dir, 'home');
		const program = (name: string) => `  ${name}:\n    cmd: sleep ${marker}\n    starttime: 0\n    stoptime: 2\n`;
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			`programs:\n${program('alpha')}${program('beta')}${program('gamma')}` +
				`  chatty:\n    cmd: "sh -c 'i=0; while :; do i=$((i+1)); echo out $i; echo err $i >&2; sleep 0.2; done' ${marker}"\n    starttime: 0\n    stoptime: 2\n`,
		);
		// The dashboard as a person starts it (a CI variable in the environment is dropped by tm top itself).
		writeFileSync(
			path.join(dir, 'top.sh'),
			`#!/bin/sh\nexport LANG=C.UTF-8 CI=true\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(root, 'bin/tm.ts')}" top --home "${home}"\n`,
		);
		chmodSync(path.join(dir, 'top.sh'), 0o755);
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const status = async (): Promise<StatusDoc | null> => {
			const result = await cli('status', '--json');
			return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : null;
		};

		const startDaemon = (): TmProcess => runTm(['up', '--foreground'], {cwd: dir});
		let daemon = startDaemon();
		await waitFor(status, doc => doc !== null && doc.tasks.every(t => t.state === 'running'), {what: 'four tasks running', timeout: 20_000});

		const term = new Terminal(dir, 80, 24);
		term.type("PS1='$ '; clear; echo before-top");
		term.keys('Enter');
		await term.until('the shell', screen => screen.some(line => line === 'before-top'));
		term.type('./top.sh');
		term.keys('Enter');

		// The table lists the config's tasks.
		let screen = await term.until('the dashboard with four running tasks', s =>
			['alpha', 'beta', 'chatty', 'gamma'].every(name => /running/.test(rowOf(s, name) ?? '')),
		);
		// At 80 columns the capacity (slots in use, requests claimed) stays; the title and the host's load give way.
		assert.match(screen[0] ?? '', / · 4 tasks ●4 · slots 4 · claimed 0B\/\S+ 0\/\S+ CPU/);
		assert.match(screen[1] ?? '', /NAME.*STATE.*PID.*RST/);
		assert.equal(term.flag('#{alternate_on}'), '1', 'in the alternate screen');
		assert.match(rowOf(screen, 'alpha') ?? '', /^>/, 'the first row is selected');
		assert.equal(cell(screen, 'beta', 'RST'), '0');

		// j then r then y restarts beta; its restart count goes up on screen.
		term.keys('j');
		await term.until('beta selected', s => /^>/.test(rowOf(s, 'beta') ?? ''));
		term.keys('r');
		await term.until('the restart question', s => s.some(line => line.startsWith('Restart beta? y/N')));
		term.keys('y');
		screen = await term.until('beta restarted once', s => cell(s, 'beta', 'RST') === '1' && /running/.test(rowOf(s, 'beta') ?? ''));
		assert.equal(cell(screen, 'alpha', 'RST'), '0');
		assert.equal((await status())?.tasks.find(t => t.id === 'beta')?.restarts, 1);

		// The selected task's log, stderr marked: select chatty.
		term.keys('j');
		await term.until('chatty’s log with stderr marked', s => s.some(line => /^ {2}out \d+$/.test(line)) && s.some(line => /^┃ err \d+$/.test(line)));

		// / filters.
		term.keys('/');
		term.type('gam');
		await term.until('the filter being typed', s => s.some(line => line.startsWith('filter (1/4): gam_')));
		term.keys('Enter');
		await term.until('only gamma', s => rowOf(s, 'gamma') !== undefined && ['alpha', 'beta', 'chatty'].every(name => rowOf(s, name) === undefined));
		term.keys('Escape');
		await term.until('all rows back', s => ['alpha', 'beta', 'chatty', 'gamma'].every(name => rowOf(s, name) !== undefined));

		// The daemon killed: the dashboard says so and keeps retrying; started again: it recovers.
		process.kill(daemon.pid, 'SIGKILL');
		await daemon.exited;
		await term.until('disconnected', s => /disconnected — retrying/.test(s[0] ?? ''));
		daemon = startDaemon();
		screen = await term.until('the view back with the new daemon', s =>
			/· 4 tasks/.test(s[0] ?? '') && ['alpha', 'beta', 'chatty', 'gamma'].every(name => /running/.test(rowOf(s, name) ?? '')),
		30_000);
		assert.doesNotMatch(screen[0] ?? '', /disconnected/);

		// q leaves the terminal as it was: main screen back, cursor shown, line editing on.
		term.keys('q');
		screen = await term.until('the shell again', s => s.some(line => line === 'before-top') && s.filter(line => line !== '').at(-1) === '$');
		assert.deepEqual(
			screen.filter(line => line !== ''),
			['before-top', '$ ./top.sh', '$'],
			'the screen as it was before tm top, and a fresh prompt',
		);
		assert.equal(term.flag('#{alternate_on}'), '0');
		assert.equal(term.flag('#{cursor_flag}'), '1');
		term.type('echo after-$((40+2))');
		term.keys('Enter');
		await term.until('the shell to echo and run a line (cooked mode)', s => s.some(line => line === 'after-42'));

		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		await daemon.exited;
	});
});
