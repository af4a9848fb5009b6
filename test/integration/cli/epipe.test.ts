/**
 * Every printing command into a pipe its reader closes after one line (`tm history web | head
 * -1`): the command ends quietly with its usual exit code, never a stack trace.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = tempDir('tm-epipe-');
const home = path.join(dir, 'home');
const readers: number[] = [];
let daemon: TmProcess | undefined;
const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});

before(async () => {
	// chatty writes 3000 lines, ticker a line every 50 ms; flappy exits at once and is restarted, which makes a long history.
	writeFileSync(
		path.join(dir, 'tm.yaml'),
		'programs:\n  chatty:\n    cmd: "seq 1 3000; exec sleep 1009"\n    shell: true\n    starttime: 0\n  ticker:\n    cmd: "while :; do echo tick; sleep 0.05; done"\n    shell: true\n    starttime: 0\n  flappy:\n    cmd: "true"\n    starttime: 0\n    autorestart: true\n    backoff: {initial: 10ms, max: 10ms}\n',
	);
	daemon = runTm(['up', '--foreground'], {cwd: dir});
	await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
	await waitFor(async () => (await cli('logs', 'chatty', '-n', '5')).out, out => out.includes('3000'), {what: 'chatty to write its lines'});
	await waitFor(async () => (JSON.parse((await cli('history', 'flappy', '--json', '-n', '1000')).out) as {events: unknown[]}).events.length, n => n >= 200, {what: 'a long history of flappy'});
	await cli('stop', 'flappy');
});

after(async () => {
	await cli('down');
	await daemon?.exited;
	killAllTm();
	for (const pid of readers) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// gone
		}
	}
});

/** Runs `tm args…` with stdout read until its first line, then closed. */
async function headOne(args: string[]): Promise<{code: number | null; stderr: string; first: string}> {
	const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts'), ...args, '--home', home], {
		cwd: dir,
		env: {...process.env, HOME: dir},
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	readers.push(child.pid ?? 0);
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	let first = '';
	child.stdout.on('data', (chunk: Buffer) => {
		first += chunk.toString();
		if (first.includes('\n')) {
			child.stdout.destroy();
		}
	});
	const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
	return {code, stderr, first: first.split('\n')[0] ?? ''};
}

describe('a reader that closes the pipe after one line', () => {
	const commands = [
		['history', 'flappy', '-n', '1000'],
		['history', 'flappy', '-n', '1000', '--json'],
		['history', '--all', '-n', '1000'],
		['events', 'flappy', '-n', '1000'],
		['events', '-f', '--json', '-n', '1000'],
		['show', 'chatty'],
		['logs', 'chatty', '-n', '3000'],
		['logs', 'chatty', '-n', '3000', '--json'],
		// A follow learns its reader is gone at its next write, as tail -f does: ticker writes on.
		['logs', 'ticker', '-f'],
		['status'],
		['status', '--json'],
		['tasks'],
		['validate', '-c', 'tm.yaml'],
		['version', '--json'],
		['completion', 'bash'],
		['--help'],
	];
	for (const args of commands) {
		it(`tm ${args.join(' ')}`, {timeout: 60_000}, async () => {
			// A follow of events writes again only at the next event: ticker is restarted, one
			// command after another, until it has ended (its last 1,000 events may all fit in the
			// pipe before the reader closes, and nothing else happens meanwhile).
			let ended = false;
			const poke = async (): Promise<void> => {
				while (!ended && args[0] === 'events' && args.includes('-f')) {
					await cli('restart', 'ticker');
				}
			};

			const poking = poke();
			const {code, stderr, first} = await headOne(args).finally(() => (ended = true));
			await poking;
			assert.ok(first.length > 0, 'it printed a line first');
			assert.equal(code, 0, stderr);
			assert.doesNotMatch(stderr, /internal error|EPIPE|\n\s+at /, 'no stack trace');
		});
	}
});
