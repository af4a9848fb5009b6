/**
 * The web page inside the single executable: dist/tm, copied alone into an empty folder, serves
 * the page, its script and its stylesheet that the build embedded (the files of
 * src/core/web/page), with nothing to read from disk. Skipped, with the reason printed, when
 * dist/tm has not been built (`.ci/run` builds it first).
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {copyFileSync, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {tempDir} from '../helpers/harness.js';
import {waitFor} from '../helpers/wait.js';
import {freePort} from '../helpers/ports.js';

const built = path.resolve(import.meta.dirname, '../../dist/tm');
const missing = existsSync(built) ? false : 'dist/tm is absent: run `npm run build` (.ci/run builds it before the tests)';
const pageDir = path.resolve(import.meta.dirname, '../../src/core/web/page');

describe('the web page in dist/tm', {skip: missing, timeout: 60_000}, () => {
	it('serves the page, script and stylesheet embedded by the build', async () => {
		const dir = tempDir('tm-web-bin-');
		copyFileSync(built, path.join(dir, 'tm'));
		const port = await freePort();
		writeFileSync(path.join(dir, 'tm.yaml'), `taskmaster:\n  http: 127.0.0.1:${port}\nprograms: {}\n`);
		const env = {PATH: '/nonexistent', HOME: dir, TM_HOME: path.join(dir, 'state'), TMPDIR: dir};
		const daemon = spawn(path.join(dir, 'tm'), ['up', '--foreground', '-c', 'tm.yaml'], {cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		daemon.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const exited = new Promise<number | null>(resolve => daemon.on('exit', code => resolve(code)));
		try {
			const url = `http://127.0.0.1:${port}`;
			await waitFor(async () => (await fetch(`${url}/api/status`).catch(() => null))?.status, status => status === 200, {what: `the web view of dist/tm (${stderr})`, timeout: 20_000});
			for (const [pathname, file, type] of [
				['/', 'index.html', 'text/html; charset=utf-8'],
				['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
				['/app.css', 'app.css', 'text/css; charset=utf-8'],
			] as const) {
				const response = await fetch(`${url}${pathname}`);
				assert.equal(response.status, 200, pathname);
				assert.equal(response.headers.get('content-type'), type, pathname);
				assert.equal(await response.text(), readFileSync(path.join(pageDir, file), 'utf8'), `${pathname} is ${file}`);
			}
		} finally {
			daemon.kill('SIGTERM');
			await exited;
			rmSync(dir, {recursive: true, force: true});
		}

		assert.equal(await exited, 0, `tm up stopped cleanly on SIGTERM: ${stderr}`);
	});
});
