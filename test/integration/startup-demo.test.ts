/**
 * A newcomer's first minutes: the README's demo (examples/demo.yaml) is valid and does what the
 * README says: the web server answers, crashy backs off, heartbeat sends heartbeats, report
 * reports progress, and two workers run. Run from a copy in a temp folder, on a free port, so
 * it never meets a demo someone is running.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';
import {freePort} from '../helpers/ports.js';

const demo = path.resolve(import.meta.dirname, '../../examples/demo.yaml');
const python = spawnSync('sh', ['-c', 'command -v python3']).status === 0;

after(killAllTm);

type Task = {name: string; state: string; restarts: number; heartbeatAt: string | null; progress: number | null};

describe('the demo', () => {
	it('is a valid config that this machine can run', async () => {
		const result = await tm(['validate', '--strict', '-c', demo], {env: {PATH: process.env['PATH'], HOME: '/nonexistent-home'}});
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /ok \(5 programs, 6 tasks\)/);
	});

	it('serves, crashes and backs off, sends heartbeats, reports progress', async () => {
		const dir = tempDir('tm-demo-');
		const port = await freePort();
		const consolePort = await freePort();
		const yaml = readFileSync(demo, 'utf8');
		assert.match(yaml, /http: 127\.0\.0\.1:4242/, 'the demo turns on tm\'s web console');
		writeFileSync(path.join(dir, 'demo.yaml'), yaml.replaceAll('8765', String(port)).replace('127.0.0.1:4242', `127.0.0.1:${consolePort}`));
		const daemon = runTm(['up', '--foreground', '-c', 'demo.yaml'], {cwd: dir});
		const home = path.join(dir, 'home');
		const tasks = async () => {
			const result = await tm(['status', '--json', '--home', home], {cwd: dir});
			return result.code === 0 ? (JSON.parse(result.out) as {tasks: Task[]}).tasks : [];
		};
		const byName = (list: Task[], name: string) => list.find(t => t.name === name);
		const seen = await waitFor(
			tasks,
			list =>
				(!python || byName(list, 'site')?.state === 'running') &&
				(byName(list, 'crashy')?.restarts ?? 0) >= 1 &&
				byName(list, 'heartbeat')?.heartbeatAt !== null &&
				byName(list, 'heartbeat')?.state === 'running' &&
				(byName(list, 'report')?.progress ?? 0) >= 10 &&
				list.filter(t => t.name.startsWith('workers:') && t.state === 'running').length === 2,
			{timeout: 20_000, interval: 200, what: 'every demo program doing its thing'},
		);
		assert.equal(seen.length, 6);
		if (python) {
			const page = await fetch(`http://127.0.0.1:${port}/`);
			assert.equal(page.status, 200);
		}

		const consolePage = await fetch(`http://127.0.0.1:${consolePort}/`);
		assert.equal(consolePage.status, 200, 'tm\'s web console answers');
		daemon.child.kill('SIGTERM');
		assert.equal(await daemon.exited, 0, daemon.stderr());
		rmSync(dir, {recursive: true, force: true});
	});
});
