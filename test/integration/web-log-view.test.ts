/**
 * Taskmaster's promise (seed 002): with `taskmaster.logfile` set and no `http:` key, the logs
 * are in the browser at http://localhost:4242/logs. A fixed port, so this is the only test that
 * uses it, and it is skipped when another program holds 4242. While the port is taken the daemon
 * still starts and says why there is no view; `http: off` keeps it from trying.
 */
import assert from 'node:assert/strict';
import {rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {daemonLog, killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const port = 4242;
const dirs: string[] = [];
after(() => {
	killAllTm();
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

/** Holds 127.0.0.1:4242, or says who has it. */
async function holdPort(): Promise<net.Server | string> {
	const server = net.createServer();
	return new Promise(resolve => {
		server.once('error', error => resolve(`127.0.0.1:${port} is taken by another program (${error.message}); this test needs it free`));
		server.listen({host: '127.0.0.1', port, exclusive: true}, () => resolve(server));
	});
}

describe('the log view a logfile brings', () => {
	it('serves the daemon log at http://localhost:4242/logs; gives way with a warning when 4242 is taken; http: off turns it off', async t => {
		const held = await holdPort();
		if (typeof held === 'string') {
			t.skip(held);
			return;
		}

		const dir = tempDir('tm-log-view-');
		dirs.push(dir);
		const home = path.join(dir, 'home');
		const config = (extra: string) => writeFileSync(path.join(dir, 'tm.yaml'), `taskmaster:\n  logfile: ./tmd.log\n${extra}programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n`);
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const up = async (): Promise<TmProcess> => {
			const daemon = runTm(['up', '--foreground'], {cwd: dir});
			// Once it says so, the daemon has started all of it (the socket answers a little before).
			await waitFor(daemon.stderr, text => text.includes('supervising'), {what: 'the daemon to start', timeout: 20_000});
			return daemon;
		};

		const down = async (daemon: TmProcess): Promise<void> => {
			assert.equal((await cli('down')).code, 0);
			assert.equal(await daemon.exited, 0, daemon.stderr());
		};

		const notes = () => daemonLog(path.join(dir, 'tmd.log')).map(line => line.message ?? '');

		// The port is taken (by this test): the daemon starts anyway and says why there is no view.
		config('');
		let daemon = await up();
		assert.match(daemon.stderr(), /no log view in the browser: .*EADDRINUSE.*127\.0\.0\.1:4242 is where taskmaster\.logfile brings it; set taskmaster\.http to a free address, or http: off/);
		assert.ok(notes().some(note => note.startsWith('no log view in the browser')), notes().join('\n'));
		await down(daemon);

		// Free: the seed's address answers, as text for curl and as the page for a browser.
		await new Promise<void>(resolve => held.close(() => resolve()));
		rmSync(path.join(dir, 'tmd.log'));
		daemon = await up();
		const text = await (await fetch(`http://localhost:${port}/logs`)).text();
		assert.match(text, /"message":"daemon started"/);
		const page = await fetch(`http://localhost:${port}/logs`, {headers: {Accept: 'text/html'}});
		assert.equal(page.status, 200);
		assert.match(page.headers.get('content-type') ?? '', /text\/html/);
		assert.ok(
			daemonLog(path.join(dir, 'tmd.log')).some(line => line.message === 'web view listening' && (line as {url?: string}).url === `http://127.0.0.1:${port}`),
			notes().join('\n'),
		);
		await down(daemon);

		// http: off: no view, no warning.
		config('  http: off\n');
		rmSync(path.join(dir, 'tmd.log'));
		daemon = await up();
		assert.deepEqual(
			notes().filter(note => /web view|log view/.test(note)),
			[],
		);
		assert.doesNotMatch(daemon.stderr(), /log view/);
		await down(daemon);
	});
});
