/**
 * The single executable (dist/tm, `npm run build`) copied alone into an empty folder, run with
 * a PATH that has no node and an empty HOME: the daemon (which re-executes the same file), the
 * clients, the dashboard in tmux, and concurrent first runs extracting the embedded addon.
 * Skipped, with the reason printed, when dist/tm has not been built (`.ci/run` builds it first).
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tempDir} from '../helpers/harness.js';
import {alive, waitFor} from '../helpers/wait.js';

const built = path.resolve(import.meta.dirname, '../../dist/tm');
const missing = existsSync(built) ? false : 'dist/tm is absent: run `npm run build` (.ci/run builds it before the tests)';
const tmux = spawnSync('tmux', ['-V']).status === 0;

type Run = {code: number | null; out: string; err: string};

/** Runs the copied executable with `env` only (no inherited PATH, HOME or NODE_OPTIONS). */
function runIn(dir: string, env: Record<string, string>, args: string[]): Promise<Run> {
	return new Promise((resolve, reject) => {
		const child = spawn(path.join(dir, 'tm'), args, {cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000});
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		child.on('error', reject);
		child.on('close', code => resolve({code, out, err}));
	});
}

type Task = {name: string; state: string; pid: number | null; heartbeatAt: string | null};
type StatusDoc = {daemon: {pid: number; config: string}; tasks: Task[]};

describe('dist/tm, alone in an empty folder with no node on PATH', {skip: missing, timeout: 120_000}, () => {
	let dir = '';
	let env: Record<string, string> = {};
	const pids = new Set<number>();
	const tm = (...args: string[]) => runIn(dir, env, args);
	/** Fails unless `--help` lists the command: a build without it must not pass as a skip. */
	const assertListed = async (command: string) => {
		const help = await tm('--help');
		assert.match(help.out, new RegExp(`^\\s+${command}\\b`, 'm'), `\`tm --help\` does not list \`${command}\`:\n${help.out}${help.err}`);
	};

	before(() => {
		dir = tempDir('tm-binary-');
		copyFileSync(built, path.join(dir, 'tm'));
		// Only the tools the tasks use: /usr/bin holds a node, so PATH must not include it.
		mkdirSync(path.join(dir, 'tools'));
		for (const tool of ['sh', 'sleep']) {
			const found = spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).stdout.trim();
			symlinkSync(found, path.join(dir, 'tools', tool));
		}

		mkdirSync(path.join(dir, 'home'));
		env = {PATH: path.join(dir, 'tools'), HOME: path.join(dir, 'home'), TM_HOME: path.join(dir, 'state'), TMPDIR: dir, TERM: 'xterm-256color'};
		writeFileSync(
			path.join(dir, 'tm.yaml'),
			[
				'programs:',
				'  sleeper:',
				'    cmd: sleep 1000',
				'    starttime: 0',
				'  beat:',
				'    cmd: "sh -c \'echo READY=1 >&3; while true; do echo WATCHDOG=1 >&3; sleep 1; done\'"',
				'    ready: fd',
				'    watchdog: 10s',
				'',
			].join('\n'),
		);
	});

	after(() => {
		for (const pid of pids) {
			for (const target of [-pid, pid]) {
				try {
					process.kill(target, 'SIGKILL');
				} catch {
					// gone
				}
			}
		}

		if (tmux) {
			spawnSync('tmux', ['-L', `tm-binary-${process.pid}`, 'kill-server'], {stdio: 'ignore'});
		}

		rmSync(dir, {recursive: true, force: true});
	});

	it('has no node to fall back on', () => {
		assert.notEqual(spawnSync('sh', ['-c', 'command -v node'], {env}).status, 0);
	});

	it('reports its version, the embedded Node 24 and SQLite', async () => {
		const short = await tm('--version');
		assert.equal(short.code, 0, short.err);
		const doc = JSON.parse((await tm('version', '--json')).out) as Record<string, unknown>;
		assert.equal(doc['tm'], short.out.trim());
		assert.match(String(doc['node']), /^24\./);
		assert.match(String(doc['sqlite']), /^3\.\d+\.\d+$/);
		assert.equal(doc['protocol'], 1);
		// The user's NODE_OPTIONS is not tm's business (execArgvExtension: none).
		const options = await runIn(dir, {...env, NODE_OPTIONS: '--require /nonexistent.js'}, ['--version']);
		assert.equal(options.code, 0, options.err);
		// The addon went to the empty HOME's cache, nowhere near a node_modules.
		const cache = path.join(dir, 'home/.cache/tm');
		assert.deepEqual(readdirSync(path.join(cache, readdirSync(cache)[0]!)), ['better_sqlite3.node']);
	});

	it('starts the daemon in the background, which runs this same file', async () => {
		const up = await tm('up', '-c', 'tm.yaml', '--json');
		assert.equal(up.code, 0, up.err);
		const daemon = (JSON.parse(up.out) as {pid: number}).pid;
		pids.add(daemon);
		assert.equal(realpathSync(`/proc/${daemon}/exe`), realpathSync(path.join(dir, 'tm')));
	});

	it('hands the executable\'s start-up pages back a few seconds after start', async () => {
		const daemon = [...pids][0] ?? 0;
		const rssFile = (): number => Number(/RssFile:\s+(\d+)/.exec(readFileSync(`/proc/${daemon}/status`, 'utf8'))?.[1] ?? 0);
		const before = rssFile();
		// Clean read-only file pages only: tens of MiB of the 112 MB executable that start-up read once.
		await waitFor(rssFile, kib => kib < before * 0.7, {timeout: 15_000, interval: 200, what: `the daemon's RssFile to drop below 70% of ${before} KiB`});
	});

	it('answers status --json with the tasks running and heartbeats arriving', async () => {
		const doc = await waitFor(
			async () => JSON.parse((await tm('status', '--json')).out || '{"tasks": []}') as StatusDoc,
			d => d.tasks.length === 2 && d.tasks.every(t => t.state === 'running') && d.tasks.some(t => t.heartbeatAt !== null),
			{timeout: 15_000, interval: 100, what: 'both tasks running, with a heartbeat'},
		);
		for (const task of doc.tasks) {
			pids.add(task.pid ?? 0);
		}

		assert.equal(doc.daemon.config, path.join(realpathSync(dir), 'tm.yaml'));
	});

	it('runs a job with run --wait and exits with its code', async () => {
		await assertListed('run');
		const job = await tm('run', '--wait', '--', 'sh', '-c', 'exit 3');
		assert.equal(job.code, 3, job.err);
		// The daemon started it through tm's own spawn addon, extracted from the executable.
		const cache = path.join(dir, 'home/.cache/tm');
		assert.deepEqual(readdirSync(path.join(cache, readdirSync(cache)[0]!)).sort(), ['better_sqlite3.node', 'tm_spawn.node']);
	});

	it('shows the dashboard (tm top) in tmux and quits on q', async t => {
		await assertListed('top');
		if (!tmux) {
			t.skip('tmux is not installed');
			return;
		}

		const server = ['-L', `tm-binary-${process.pid}`];
		const assignments = Object.entries(env).map(([name, value]) => `${name}='${value}'`);
		const command = `cd '${dir}' && env -i ${assignments.join(' ')} ./tm top; echo "exit=$?" > top.exit`;
		assert.equal(spawnSync('tmux', [...server, 'new-session', '-d', '-s', 'top', '-x', '120', '-y', '30', command]).status, 0);
		const screen = () => spawnSync('tmux', [...server, 'capture-pane', '-p', '-t', 'top'], {encoding: 'utf8'}).stdout;
		await waitFor(screen, s => s.includes('sleeper') && s.includes('beat'), {timeout: 15_000, interval: 100, what: 'the dashboard to list the tasks'});
		spawnSync('tmux', [...server, 'send-keys', '-t', 'top', 'q']);
		const exit = path.join(dir, 'top.exit');
		await waitFor(() => (existsSync(exit) ? readFileSync(exit, 'utf8').trim() : ''), s => s !== '', {timeout: 10_000, what: 'tm top to quit'});
		assert.equal(readFileSync(exit, 'utf8').trim(), 'exit=0');
	});

	it('stops every task and the daemon with down', async () => {
		const down = await tm('down');
		assert.equal(down.code, 0, down.err);
		await waitFor(() => [...pids].filter(pid => alive(pid)), alive => alive.length === 0, {what: 'the daemon and its tasks to be gone'});
		assert.equal((await tm('status')).code, 3);
	});

	it('makes a boot unit for itself that systemd-analyze verify accepts', async t => {
		const unit = await tm('startup', '-c', 'tm.yaml');
		assert.equal(unit.code, 0, unit.err);
		assert.equal(unit.err, '', 'no warning: the unit needs nothing but this file');
		assert.match(unit.out, new RegExp(`^ExecStart=${path.join(realpathSync(dir), 'tm')} up --foreground --home \\S+ -c \\S+tm\\.yaml$`, 'm'));
		if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
			t.skip('systemd-analyze is not installed (apt-get install systemd to run this check)');
			return;
		}

		writeFileSync(path.join(dir, 'tm.service'), unit.out);
		const verify = spawnSync('systemd-analyze', ['verify', path.join(dir, 'tm.service')], {encoding: 'utf8'});
		assert.equal(verify.status, 0, verify.stderr);
		assert.doesNotMatch(verify.stderr, /tm\.service/, verify.stderr);
	});

	it('extracts the addon safely when first runs start at once', async () => {
		const cache = path.join(dir, 'cold-cache');
		const runs = await Promise.all(Array.from({length: 4}, async () => runIn(dir, {...env, XDG_CACHE_HOME: cache}, ['version', '--json'])));
		for (const run of runs) {
			assert.equal(run.code, 0, run.err);
			assert.match(run.out, /"sqlite"/);
		}

		const folders = readdirSync(path.join(cache, 'tm'));
		assert.equal(folders.length, 1);
		assert.deepEqual(readdirSync(path.join(cache, 'tm', folders[0]!)), ['better_sqlite3.node'], 'one addon and no temporary files');
	});

	it('falls back to a private folder in TMPDIR when HOME cannot be written', async () => {
		const run = await runIn(dir, {...env, HOME: '/proc'}, ['version', '--json']);
		assert.equal(run.code, 0, run.err);
		const uid = process.getuid?.() ?? 0;
		const folder = path.join(dir, `tm-${uid}`);
		assert.equal(readdirSync(folder).length, 1);
	});
});
