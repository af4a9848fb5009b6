/**
 * Every way out of `tm top` gives the terminal back: `q`, SIGTERM and a crash inside the
 * dashboard, each in a child process whose "terminal" records what was written to it, against
 * a scripted daemon, with CI=true inherited (as in a CI runner's debug shell) so the dashboard
 * must paint anyway. The real terminal is checked by top.test.ts (tmux).
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {systemClock} from '../../src/core/clock.js';
import {RpcServer} from '../../src/core/ipc/server.js';
import type {TaskStatus} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {task} from '../helpers/dashboard-fixtures.js';
import {tempDir} from '../helpers/harness.js';
import {diskOk} from '../helpers/task-status.js';

const root = path.resolve(import.meta.dirname, '../..');
const servers: RpcServer[] = [];
const dirs: string[] = [];
after(async () => {
	await Promise.all(servers.map(server => server.close()));
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

function scratch(): string {
	const dir = tempDir('tm-top-exit-');
	dirs.push(dir);
	return dir;
}

async function fakeDaemon(tasks: TaskStatus[] = []): Promise<string> {
	const socketPath = path.join(scratch(), 'tm.sock');
	const doc = {daemon: {pid: 1, startedAt: new Date().toISOString(), version: 'test', home: '/h', config: null, disk: diskOk}, tasks};
	const server = new RpcServer({
		socketPath,
		version: 'test',
		clock: systemClock,
		handlers: {subscribe: () => ({...doc, lastSeq: 0})},
	});
	await server.listen();
	servers.push(server);
	return socketPath;
}

type Written = {code: number; written: string; entered: boolean; raw: boolean; nonAscii: string[]};

/**
 * Runs the dashboard in a child with fake TTY streams. The child prints, as its last line,
 * the exit code and the escape sequences written to the "terminal" (JSON).
 */
function child(socketPath: string, how: 'quit' | 'sigterm' | 'crash', {lang = 'C.UTF-8', paintedWhen = 'no tasks'} = {}): Promise<{code: number | null; result: Written; stderr: string}> {
	const script = `
import {EventEmitter} from 'node:events';
import {runDashboard} from ${JSON.stringify(path.join(root, 'src/tui/run-dashboard.tsx'))};
import {SocketClient} from ${JSON.stringify(path.join(root, 'src/core/client/socket-client.ts'))};
let painted = () => {};
class Tty extends EventEmitter { isTTY = true; columns = 80; rows = 24; written = ''; write(s) { this.written += s; if (this.written.includes(${JSON.stringify(paintedWhen)})) painted(); return true; } }
class Keys extends EventEmitter { isTTY = true; raw = false; setRawMode(on) { this.raw = on; return this; } setEncoding() {} ref() {} unref() {} pause() {} resume() {} read() { return null; } }
const stdout = new Tty();
const stdin = new Keys();
let term = () => {};
const how = ${JSON.stringify(how)};
// Once the first frame is drawn (the table says it has no tasks), the way out under test. The
// keys are read once the dashboard has mounted, which may be a moment after that frame: 'q' is
// pressed again until the dashboard is gone.
let pressing = null;
painted = () => {
	painted = () => {};
	setImmediate(() => {
		if (how === 'quit') pressing = setInterval(() => stdin.emit('data', 'q'), 20);
		if (how === 'sigterm') term();
		if (how === 'crash') throw new Error('boom inside the dashboard');
	});
};
const code = await runDashboard({
	connect: () => SocketClient.connect(${JSON.stringify(socketPath)}),
	intervalMs: 1000,
	lowBandwidth: false,
	env: {LANG: ${JSON.stringify(lang)}},
	stdin, stdout, stderr: process.stderr,
	onSignal: (signals, handler) => { term = () => handler('SIGTERM'); return () => {}; },
});
clearInterval(pressing);
process.stdout.write('\\n' + JSON.stringify({code, written: stdout.written.slice(-40), entered: stdout.written.startsWith('\\u001b[?1049h'), raw: stdin.raw, nonAscii: [...new Set(stdout.written.match(/[^\\x00-\\x7f]/gu) ?? [])]}) + '\\n');
`;
	const proc = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, CI: 'true'}});
	let stdout = '';
	let stderr = '';
	proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return new Promise(resolve => {
		proc.on('exit', code => {
			const last = stdout.trim().split('\n').at(-1) ?? '{}';
			resolve({code, result: JSON.parse(last) as Written, stderr});
		});
	});
}

const leave = '\u001B[0m\u001B[?25h\u001B[?1049l';

describe('tm top gives the terminal back', () => {
	for (const how of ['quit', 'sigterm', 'crash'] as const) {
		it(`on ${how}`, {timeout: 60_000}, async () => {
			const socketPath = await fakeDaemon();
			const {code, result, stderr} = await child(socketPath, how);
			assert.equal(code, 0, stderr);
			assert.ok(result.entered, 'it entered the alternate screen first');
			assert.ok(result.written.endsWith(leave), `the last bytes leave the alternate screen: ${JSON.stringify(result.written)}`);
			assert.equal(result.raw, false, 'raw mode is off again');
			assert.equal(result.code, how === 'crash' ? 1 : 0);
			if (how === 'crash') {
				assert.match(stderr, /tm top: Error: boom inside the dashboard/);
			}
		});
	}
});

describe('tm top in a locale that is not UTF-8', () => {
	it('writes ASCII only, empty cells and cut names included', {timeout: 60_000}, async () => {
		const socketPath = await fakeDaemon([task('a-task-whose-name-is-far-too-long-for-its-column', {state: 'queued', pid: null, cpu: null, memory: null})]);
		const {code, result, stderr} = await child(socketPath, 'quit', {lang: 'C', paintedWhen: 'a-task-whose'});
		assert.equal(code, 0, stderr);
		assert.ok(result.entered);
		assert.deepEqual(result.nonAscii, [], 'no byte outside ASCII reached the terminal');
	});
});

describe('tm top refuses what it cannot do', () => {
	it('needs a terminal, a sane interval, and says when no daemon answers', async () => {
		const dir = scratch();
		const notTty = await tm(['top', '--home', dir], {cwd: dir});
		assert.equal(notTty.code, 2);
		assert.match(notTty.err, /tm top needs a terminal/);
		const interval = await tm(['top', '--interval', '5ms', '--home', dir], {cwd: dir});
		assert.equal(interval.code, 2);
		assert.match(interval.err, /--interval: between 100ms and 60s/);
		const json = await tm(['top', '--json', '--home', dir], {cwd: dir});
		assert.equal(json.code, 2);
		assert.match(json.err, /E_USAGE/);
	});
});
