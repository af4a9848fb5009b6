/**
 * docs/web.md's curl examples, run as written against a real daemon: the address is the test
 * daemon's, `tm web token` is this checkout's tm. Each must succeed (curl -f: a 4xx or 5xx fails)
 * and print JSON, or for the event stream, events.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tm} from '../helpers/cli.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const doc = readFileSync(path.join(import.meta.dirname, '../../docs/web.md'), 'utf8');
const block = /<!-- curl-examples -->\n```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
const lines = block.split('\n').filter(line => line.trim() !== '');

/** Runs one example line; `exec` makes curl itself the process the timeout kills, so no stray curl holds its output open. */
function sh(command: string, env: Record<string, string>): Promise<{code: number; out: string; err: string}> {
	return new Promise(resolve => {
		execFile('/bin/sh', ['-c', `exec ${command}`], {env: {...process.env, ...env}, timeout: 20_000, killSignal: 'SIGKILL'}, (error, out, err) => {
			const timedOut = error !== null && error.killed ? `killed after 20 s without an answer: ${command}\n` : '';
			resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out, err: timedOut + err});
		});
	});
}

describe("docs/web.md's curl examples", () => {
	let web: WebDaemon;

	before(async () => {
		web = await webDaemon(['programs:', '  web:', '    cmd: sleep 1000', '    starttime: 0', ''].join('\n'));
		await web.waitState('web', 'running');
	});

	after(async () => web?.cleanup());

	it('are there', () => {
		assert.ok(lines.length >= 10, block);
		assert.equal(lines[0], 'TOKEN=$(tm web token)');
	});

	it('tm web token prints the token the daemon made', async () => {
		const printed = await tm(['web', 'token', '--home', web.home], {cwd: web.dir, env: {HOME: web.dir}});
		assert.equal(printed.code, 0, printed.err);
		assert.equal(printed.out.trim(), readFileSync(path.join(web.home, 'http.token'), 'utf8').trim());
	});

	for (const line of lines.slice(1)) {
		it(line, async () => {
			const token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
			const command = line.replaceAll('http://127.0.0.1:4242', web.url);
			const result = await sh(command, {TOKEN: token});
			if (line.includes('--max-time')) {
				// A stream ends only when curl gives up (28): what it got is what counts.
				assert.equal(result.code, 28, result.err);
				assert.match(result.out, /event: snapshot/);
				return;
			}

			assert.equal(result.code, 0, `${command}\n${result.err}${result.out}`);
			assert.doesNotThrow(() => JSON.parse(result.out), result.out.slice(0, 200));
		});
	}
});
