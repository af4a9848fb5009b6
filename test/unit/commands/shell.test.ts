/**
 * `tm shell`'s parts without a terminal: a typed line → words (quoted as sh quotes), Tab's
 * candidates from the command model and the daemon's task names, the names kept briefly, and
 * the shell's words on the command line (`tm exit`: an unknown command with a "did you mean").
 * The shell itself is driven in a real terminal by test/integration/shell.test.ts.
 */
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {PassThrough, Readable} from 'node:stream';
import {after, describe, it} from 'node:test';
import {completionModel} from '../../../src/commands/completion/model.js';
import type {Deps} from '../../../src/commands/deps.js';
import {createProgram} from '../../../src/commands/program.js';
import {runShell, taskNames} from '../../../src/commands/shell.js';
import {cachedNames, complete, type Completion, type CompletionSources} from '../../../src/commands/shell/completer.js';
import {terminalLines} from '../../../src/commands/shell/prompt.js';
import {partialLine, splitLine} from '../../../src/commands/shell/words.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {waitFor} from '../../helpers/wait.js';

const dirs: string[] = [];
after(() => dirs.forEach(dir => rmSync(dir, {recursive: true, force: true})));

describe('a shell line → words', () => {
	const cases: Array<[string, string[]]> = [
		['status', ['status']],
		['  start   web  worker ', ['start', 'web', 'worker']],
		['\tstop\tweb', ['stop', 'web']],
		["run -- sh -c 'echo hello world'", ['run', '--', 'sh', '-c', 'echo hello world']],
		['run -- sh -c "echo \\"quoted\\" \\\\ $HOME"', ['run', '--', 'sh', '-c', 'echo "quoted" \\ $HOME']],
		["checkpoint 'it''s'", ['checkpoint', 'its']],
		["a'b c'd", ['ab cd']],
		['logs my\\ task', ['logs', 'my task']],
		["signal TERM ''", ['signal', 'TERM', '']],
		['run -- echo "a\\nb"', ['run', '--', 'echo', 'a\\nb']],
		['', []],
		['   ', []],
	];
	for (const [line, words] of cases) {
		it(`${JSON.stringify(line)} → ${JSON.stringify(words)}`, () => {
			assert.deepEqual(splitLine(line), {ok: true, words});
		});
	}

	it('an open quote or a trailing backslash is an error that says what to do', () => {
		assert.deepEqual(splitLine("run -- sh -c 'echo"), {ok: false, error: 'the single quote is not closed: close it, or put a backslash before it'});
		assert.deepEqual(splitLine('start "web'), {ok: false, error: 'the double quote is not closed: close it, or put a backslash before it'});
		assert.deepEqual(splitLine('start web\\'), {ok: false, error: 'the line ends with a backslash, which escapes nothing: remove it'});
	});

	it('cuts an unfinished line at the word being typed', () => {
		assert.deepEqual(partialLine('start we'), {words: ['start'], current: 'we', raw: 'we', quote: null});
		assert.deepEqual(partialLine('start '), {words: ['start'], current: '', raw: '', quote: null});
		assert.deepEqual(partialLine("start 'my w"), {words: ['start'], current: 'my w', raw: "'my w", quote: "'"});
	});
});

const quietDeps: Deps = {io: {out: () => {}, err: () => {}, isTTY: false}, env: {}, cwd: '/', self: {command: '', args: []}, onSignal: () => () => {}};

describe('Tab at the shell', () => {
	const program = createProgram(quietDeps, () => {}, ['help']);
	const sources = (names: string[]): CompletionSources => ({model: async () => completionModel(await program), taskNames: async () => names});
	const tab = async (line: string, names = ['web', 'web:0', 'worker', 'my task']) => complete(line, sources(names));

	it('completes commands and the shell words', async () => {
		assert.deepEqual(await tab('sta'), [['start', 'startup', 'status'], 'sta']);
		assert.deepEqual(await tab('shu'), [['shutdown '], 'shu']);
		assert.deepEqual(await tab('qu'), [['queue', 'quit'], 'qu']);
		assert.deepEqual(await tab('qui'), [['quit '], 'qui']);
		const all = (await tab(''))[0];
		assert.ok(['help', 'exit', 'quit', 'shutdown', 'status', 'top', 'logs'].every(verb => all.includes(verb)), all.join(' '));
		assert.ok(!all.includes('shell'), 'not the shell itself');
	});

	it('completes task names for the arguments that take them, with all', async () => {
		assert.deepEqual(await tab('restart w'), [['web', 'web:0', 'worker'], 'w']);
		assert.deepEqual(await tab('stop web worker wo'), [['worker '], 'wo']);
		assert.deepEqual(await tab('start a'), [['all '], 'a']);
		assert.deepEqual(await tab('logs -n 5 wor'), [['worker '], 'wor'], 'after an option and its value');
		assert.deepEqual(await tab('status my'), [['my\\ task '], 'my'], 'escaped');
		assert.deepEqual(await tab("status 'my"), [["'my task' "], "'my"], 'inside the quote');
	});

	it('completes options, signals and help topics; nothing for a file or an unknown command', async () => {
		assert.ok((await tab('stop --'))[0].includes('--no-wait'));
		assert.deepEqual(await tab('signal KI'), [['KILL '], 'KI']);
		assert.deepEqual(await tab('signal TERM wo'), [['worker '], 'wo']);
		assert.deepEqual(await tab('help rel'), [['reload '], 'rel']);
		assert.deepEqual(await tab('up -c ./'), [[], './']);
		assert.deepEqual(await tab('nosuch w'), [[], 'w']);
	});

	it('asks the daemon for task names at most once a moment, and takes a failure as none', async () => {
		let now = 0;
		let asked = 0;
		const names = cachedNames(
			async () => {
				asked++;
				if (asked === 2) {
					throw new Error('no daemon');
				}

				return ['web'];
			},
			() => now,
			2000,
		);
		assert.deepEqual(await names(), ['web']);
		now = 1500;
		assert.deepEqual(await names(), ['web']);
		assert.equal(asked, 1);
		now = 2600;
		assert.deepEqual(await names(), []);
		assert.equal(asked, 2);
	});
});

describe('the shell words on the command line', () => {
	it('tm exit, quit and shutdown are unknown commands that point at tm down, as a misspelt one is', async () => {
		const misspelt = await tm(['sttus']);
		assert.equal(misspelt.code, 2);
		for (const word of ['exit', 'quit', 'shutdown']) {
			const result = await tm([word]);
			assert.equal(result.code, misspelt.code, word);
			assert.match(result.err, new RegExp(`^error: unknown command '${word}'\\n\\(Did you mean down\\? \`${word}\` .*\\)\\n`), word);
			assert.match(result.err, /Usage: tm \[options\] \[command\]/, 'the usage follows, as for any unknown command');
			assert.equal((await tm([word, '--force', 'x'])).code, 2, 'whatever follows');
		}

		const help = await tm(['--help']);
		assert.doesNotMatch(help.out, /^ {2}(exit|quit|shutdown)\b/m, 'not listed');
		assert.match(help.out, /^ {2}shell +a prompt for every command/m);
	});

	it('tm alone is the shell only in a terminal; elsewhere the usage and exit code 2, as before', async () => {
		const alone = await tm([]);
		assert.equal(alone.code, 2);
		assert.match(alone.err, /Usage: tm \[options\] \[command\]/);
	});
});

describe('the shell without a terminal', () => {
	it('runs the lines of a pipe in turn, no prompt, and exits with the last code', async () => {
		const home = tempDir('tm-shell-pipe-');
		dirs.push(home);
		let out = '';
		let err = '';
		const deps: Deps = {...quietDeps, io: {out: text => (out += text), err: text => (err += text), isTTY: false}, env: {TM_HOME: home}};
		const stdin = Readable.from(['version --json\nsttus\n', '\nrun -- sh -c "echo \'hi\'"\n']) as unknown as NodeJS.ReadStream;
		const code = await runShell({}, deps, {stdin, stdout: process.stdout});
		assert.equal(code, 3, 'the last line found no daemon');
		assert.match(out, /"protocol":/, 'version ran');
		assert.doesNotMatch(out, /tm>/, 'no prompt');
		assert.match(err, /^tm: unknown command 'sttus' \(did you mean status\?\); help lists the commands\ntm: no tm daemon is running/m);
	});
});

describe('task names for Tab', () => {
	it('come back within the time limit, as a failure, from a daemon that never answers', async () => {
		const dir = tempDir('tm-shell-hung-');
		dirs.push(dir);
		const sockets: net.Socket[] = [];
		const server = net.createServer(socket => sockets.push(socket));
		await new Promise<void>(resolve => server.listen(path.join(dir, 'tm.sock'), resolve));
		try {
			const started = Date.now();
			await assert.rejects(taskNames({home: dir}, quietDeps));
			assert.ok(Date.now() - started < 2500, `${Date.now() - started} ms`);
			await assert.rejects(taskNames({home: path.join(dir, 'none')}, quietDeps), /no tm daemon is running/);
		} finally {
			sockets.forEach(socket => socket.destroy());
			await new Promise(resolve => server.close(resolve));
		}
	});
});

/** A terminal's keyboard for readline: raw mode recorded, ref/unref accepted. */
class FakeKeyboard extends PassThrough {
	isTTY = true;
	isRaw = false;
	setRawMode(on: boolean): this {
		this.isRaw = on;
		return this;
	}

	ref(): this {
		return this;
	}

	unref(): this {
		return this;
	}
}

describe('the prompt', () => {
	it('hands the keyboard to the line it ran, and takes none back when Tab answers after Enter', async () => {
		const stdin = new FakeKeyboard();
		const stdout = Object.assign(new PassThrough(), {isTTY: true, columns: 80});
		stdout.resume();
		let answer: ((completion: Completion) => void) | null = null;
		const slowTab = async () => new Promise<Completion>(resolve => (answer = resolve));
		let ctrlC = 0;
		const lines = terminalLines({stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream}, [], slowTab, () => ctrlC++)[Symbol.asyncIterator]();
		const first = lines.next();
		stdin.write('stop w\t');
		await waitFor(() => answer, tab => tab !== null, {what: 'Tab to ask for names'});
		// A terminal can deliver what follows before the names come (seen under load): Enter,
		// then Ctrl-C in the same read.
		stdin.emit('data', Buffer.from('eb\r\u0003'));
		assert.deepEqual(await first, {done: false, value: 'stop web'});
		assert.equal(ctrlC, 1, 'the Ctrl-C after Enter went to the line that runs');
		assert.equal(stdin.isRaw, true, 'the keyboard is held while it runs');
		await lines.return(undefined);
		assert.equal(stdin.isRaw, false, 'and given back');
		// The names come once the prompt is gone: readline must not take stdin back for them.
		answer!([['web '], 'w']);
		await new Promise(resolve => setImmediate(resolve));
		assert.notEqual(stdin.readableFlowing, true, 'stdin left flowing would keep the shell from ending');
	});
});
