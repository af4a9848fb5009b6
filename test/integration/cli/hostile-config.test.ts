/**
 * Hostile config files through the real CLI (`bin/tm.ts` as a process): alias bombs (also on
 * `tm reload`), an alias inside its own anchor, program names too long for their log file
 * names, thousands of mistakes. Each is a config error: exit 2, `file:line:col` and the fix, no
 * stack trace, no daemon started, within a deadline.
 */
import assert from 'node:assert/strict';
import {existsSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

after(killAllTm);

/** Nine of `item`, as a flow list. */
const nine = (item: string): string => `[${Array.from({length: 9}, () => item).join(', ')}]`;

/** The classic: nine levels of nine aliases, 9^9 "lol"s once expanded. */
const billionLaughs = [
	`a: &a ${nine('lol')}`,
	...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, index) => `${name}: &${name} ${nine(`*${'abcdefgh'[index]}`)}`),
	'',
].join('\n');

/** A small nest inside a program: 9^4 env entries once expanded. */
const nest = [
	'programs:',
	'  web:',
	'    cmd: /bin/true',
	'    env: &a {A: x, B: x, C: x, D: x, E: x, F: x, G: x, H: x, I: x}',
	'  b:',
	'    cmd: /bin/true',
	`    env: &b ${nine('*a')}`,
	'  c:',
	'    cmd: /bin/true',
	`    env: &c ${nine('*b')}`,
	'  d:',
	'    cmd: /bin/true',
	`    env: &d ${nine('*c')}`,
	'',
].join('\n');

type Outcome = {code: number | null; stderr: string; stdout: string};

/** Runs `tm ARGS -c tm.yaml` in `dir` and waits for its exit, killing it (and failing) after `deadline` ms. */
async function exitOf(dir: string, args: string[], deadline = 30_000): Promise<Outcome> {
	const tm = runTm([...args, '-c', path.join(dir, 'tm.yaml')], {cwd: dir});
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<'late'>(resolve => (timer = setTimeout(() => resolve('late'), deadline)));
	const code = await Promise.race([tm.exited, late]);
	clearTimeout(timer);
	if (code === 'late') {
		process.kill(-tm.pid, 'SIGKILL');
		assert.fail(`tm ${args.join(' ')} still running after ${deadline} ms; stderr so far: ${tm.stderr().slice(0, 500)}`);
	}

	return {code, stderr: tm.stderr(), stdout: tm.stdout()};
}

/** A config error as the CLI must show it: exit 2, the issue at file:line:col, no stack trace. */
function assertConfigError(outcome: Outcome, issue: RegExp): void {
	assert.equal(outcome.code, 2, outcome.stderr);
	assert.match(outcome.stderr, issue);
	assert.doesNotMatch(outcome.stderr, /internal error|\n\s+at /, 'no stack trace');
}

/** Every way the CLI loads a config: validate, a background start, a foreground daemon. */
const loaders = [['validate'], ['up'], ['up', '--foreground']];

async function assertRefusedEverywhere(text: string, issue: RegExp): Promise<void> {
	const dir = tempDir();
	writeFileSync(path.join(dir, 'tm.yaml'), text);
	for (const args of loaders) {
		const outcome = await exitOf(dir, args);
		assertConfigError(outcome, issue);
		assert.equal(existsSync(path.join(dir, 'home', 'tm.sock')), false, `tm ${args.join(' ')} started no daemon`);
	}

	rmSync(dir, {recursive: true, force: true});
}

describe('alias bombs', () => {
	it('billion laughs: refused at the alias that passes the limit, exit 2', async () => {
		await assertRefusedEverywhere(billionLaughs, /tm\.yaml:\d+:\d+ alias \*[a-h] passes the limit on aliases: .*nest fewer aliases/);
	});

	it('a 9^4 nest: refused the same way', async () => {
		await assertRefusedEverywhere(nest, /tm\.yaml:13:\d+ alias \*c passes the limit on aliases/);
	});

	it('an alias inside the node its anchor names: refused, not followed forever', async () => {
		await assertRefusedEverywhere('programs:\n  web: &x\n    cmd: /bin/true\n    <<: *x\n', /tm\.yaml:4:9 alias \*x is inside the node &x names/);
	});

	it('one anchor merged into 300 programs is no bomb: valid', async () => {
		const dir = tempDir();
		const programs = Array.from({length: 299}, (_, i) => `  p${i + 1}:\n    <<: *base\n    cmd: /bin/sleep ${i + 1}\n`);
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n  p0: &base\n    cmd: /bin/true\n    autostart: false\n    env: {A: "1"}\n${programs.join('')}`);
		const outcome = await exitOf(dir, ['validate']);
		assert.equal(outcome.code, 0, outcome.stderr);
		assert.match(outcome.stdout, /ok \(300 programs, 300 tasks\)/);
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('an alias bomb on reload', () => {
	it('tm reload refuses it with exit 2 and the daemon keeps running unchanged', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const file = path.join(dir, 'tm.yaml');
		writeFileSync(file, 'programs:\n  idle:\n    cmd: sleep 1000\n    autostart: false\n');
		const daemon = runTm(['up', '--foreground', '-c', file], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('status')).code, code => code === 0, {what: 'the daemon to answer'});
		writeFileSync(file, billionLaughs);
		const reload = await cli('reload');
		assertConfigError({code: reload.code, stderr: reload.err, stdout: reload.out}, /tm\.yaml:\d+:\d+ alias \*[a-h] passes the limit on aliases/);
		const status = await cli('status');
		assert.equal(status.code, 0, status.err);
		assert.match(status.out, /idle/);
		assert.equal((await cli('down')).code, 0);
		assert.equal(await daemon.exited, 0, daemon.stderr());
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('program names too long for their log files', () => {
	it('validate names the program and the limit; up starts nothing', async () => {
		const name = 'n'.repeat(260);
		await assertRefusedEverywhere(
			`programs:\n  ${name}:\n    cmd: /bin/true\n`,
			new RegExp(`tm\\.yaml:2:3 programs\\.${name}: the log file name "n+…n+\\.out\\.log\\.5" would be 270 bytes, over the limit of 255 for a file name: shorten the program name to at most 245 characters`),
		);
	});

	it('counts the instance suffix of numprocs: 244 characters and numprocs 3 is one byte too many', async () => {
		const dir = tempDir();
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n  ${'m'.repeat(244)}:\n    cmd: /bin/true\n    numprocs: 3\n  ${'k'.repeat(245)}:\n    cmd: /bin/true\n`);
		const outcome = await exitOf(dir, ['validate']);
		assertConfigError(outcome, /tm\.yaml:2:3 programs\.m+: the log file name "m+…m+:2\.out\.log\.5" would be 256 bytes/);
		assert.doesNotMatch(outcome.stderr, /programs\.k+/, '245 characters and one task fit exactly');
		rmSync(dir, {recursive: true, force: true});
	});
});

describe('many mistakes in a large file', () => {
	it('3,000 programs depending on misspelt names: every one reported, exit 2, in seconds', async () => {
		const dir = tempDir();
		const programs = Array.from({length: 3000}, (_, i) => `  prog-name-${i}:\n    cmd: /bin/true\n    depends_on: [prog-nme-${i}]\n`);
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n${programs.join('')}`);
		// Each "did you mean" is a pass over 3,000 names: one per mistake took minutes.
		const outcome = await exitOf(dir, ['validate'], 30_000);
		assertConfigError(outcome, /tm\.yaml:4:18 programs\.prog-name-0\.depends_on\[0\]: unknown program "prog-nme-0"; did you mean "prog-name-0"\?/);
		assert.match(outcome.stderr, /3000 problems/);
		rmSync(dir, {recursive: true, force: true});
	});
});
