/**
 * CORS on `/api/v1` against real daemons. With `taskmaster.http_cors`, a listed origin gets a
 * preflight with the methods and the Authorization header, and every answer (errors and streams
 * too) names that origin exactly with `Vary: Origin`; a change still needs the token, and an
 * unlisted origin is still 403. Without it, no Access-Control-* header at all and every foreign
 * origin 403, as before. Then the same in Chromium: a page of a listed origin restarts a task
 * with the token, a page of another origin cannot (skipped where /usr/bin/chromium is missing).
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {chromium} from 'playwright-core';
import {freePort} from '../helpers/ports.js';
import {waitFor} from '../helpers/wait.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

const programs = ['programs:', '  web:', '    cmd: sleep 1000', '    starttime: 0', ''].join('\n');
const listed = 'https://ops.example.com';

type Answer = {status: number; headers: http.IncomingHttpHeaders; body: string};

/** One request over node:http (which, unlike fetch, sends the Origin given); a stream is cut after its headers. */
function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = http.request(url, {method, headers}, res => {
			if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
				resolve({status: res.statusCode ?? 0, headers: res.headers, body: ''});
				req.destroy();
				return;
			}

			let data = '';
			res.setEncoding('utf8');
			res.on('data', chunk => (data += chunk));
			res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: data}));
		});
		req.on('error', reject);
		req.end(body);
	});
}

const corsHeaders = (answer: Answer): string[] => Object.keys(answer.headers).filter(name => name.startsWith('access-control-'));
const varies = (answer: Answer): string[] => String(answer.headers.vary ?? '').split(',').map(word => word.trim().toLowerCase());
const code = (answer: Answer): string => (JSON.parse(answer.body) as {error: {code: string}}).error.code;

describe('CORS on /api/v1 with http_cors', () => {
	let web: WebDaemon;
	let token: string;
	const call = (method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> => request(`${web.url}${route}`, method, headers, body);

	before(async () => {
		web = await webDaemon(`taskmaster:\n  http: 127.0.0.1:${await freePort()}\n  http_cors: [${listed}, "http://localhost:5173"]\n${programs}`);
		await web.waitState('web', 'running');
		token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
	});

	after(async () => web?.cleanup());

	it('answers a preflight of a listed origin with the methods and the Authorization header, and no token asked', async () => {
		const preflight = await call('OPTIONS', '/api/v1/tasks/web/restart', {origin: listed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type'});
		assert.equal(preflight.status, 204, preflight.body);
		assert.equal(preflight.headers['access-control-allow-origin'], listed);
		assert.deepEqual(String(preflight.headers['access-control-allow-methods']).split(','), ['GET', 'HEAD', 'POST']);
		assert.match(String(preflight.headers['access-control-allow-headers']), /(^|,)Authorization(,|$)/);
		assert.ok(varies(preflight).includes('origin'), String(preflight.headers.vary));
		assert.equal(preflight.headers['access-control-allow-credentials'], undefined, 'never with credentials: the token goes as a bearer');
	});

	it('names the listed origin exactly on reads, errors and streams, with Vary: Origin', async () => {
		const read = await call('GET', '/api/v1/tasks', {origin: listed});
		assert.equal(read.status, 200);
		assert.equal(read.headers['access-control-allow-origin'], listed);
		assert.ok(varies(read).includes('origin'));
		const other = await call('GET', '/api/v1/tasks', {origin: 'http://localhost:5173'});
		assert.equal(other.headers['access-control-allow-origin'], 'http://localhost:5173', 'the origin asking, not the first listed');
		const missing = await call('GET', '/api/v1/tasks/nope', {origin: listed});
		assert.equal(missing.status, 404);
		assert.equal(missing.headers['access-control-allow-origin'], listed, 'a page can read why it was refused');
		const stream = await call('GET', '/api/v1/events?task=web', {origin: listed});
		assert.equal(stream.status, 200);
		assert.equal(stream.headers['access-control-allow-origin'], listed);
		assert.ok(varies(stream).includes('origin'));
		const curl = await call('GET', '/api/v1/tasks');
		assert.equal(curl.headers['access-control-allow-origin'], undefined, 'no Origin, nothing to allow');
	});

	it('still asks a listed origin for the token before a change', async () => {
		const bare = await call('POST', '/api/v1/tasks/web/restart', {origin: listed});
		assert.equal(bare.status, 401);
		assert.equal(code(bare), 'E_UNAUTHORIZED');
		assert.equal(bare.headers['access-control-allow-origin'], listed);
		const before = web.daemon.engine.get('web').pid;
		const done = await call('POST', '/api/v1/tasks/web/restart', {origin: listed, authorization: `Bearer ${token}`, 'content-type': 'application/json'}, '{}');
		assert.equal(done.status, 200, done.body);
		assert.equal(done.headers['access-control-allow-origin'], listed);
		assert.notEqual(web.daemon.engine.get('web').pid, before);
	});

	it('refuses an unlisted origin (403), its preflight too, with no CORS header', async () => {
		for (const [method, headers] of [
			['OPTIONS', {'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization'}],
			['GET', {}],
			['POST', {authorization: `Bearer ${token}`}],
		] as const) {
			for (const origin of ['https://evil.example', 'https://ops.example.com:8443', 'http://ops.example.com']) {
				const answer = await call(method, '/api/v1/tasks/web/restart', {origin, ...headers});
				assert.equal(answer.status, 403, `${method} from ${origin}`);
				assert.equal(code(answer), 'E_FORBIDDEN');
				assert.match(JSON.parse(answer.body).error.message, /only pages of this address and of https:\/\/ops\.example\.com, http:\/\/localhost:5173 \(taskmaster\.http_cors\) may call the API/);
				assert.deepEqual(corsHeaders(answer), [], `${method} from ${origin}`);
			}
		}
	});
});

describe('no CORS without http_cors', () => {
	let web: WebDaemon;

	before(async () => {
		web = await webDaemon(programs);
		await web.waitState('web', 'running');
	});

	after(async () => web?.cleanup());

	it('sends no Access-Control-* header, and refuses every foreign origin as before', async () => {
		const own = new URL(web.url).origin;
		const answers = [
			await request(`${web.url}/api/v1/tasks`, 'GET', {origin: own}),
			await request(`${web.url}/api/v1/tasks`, 'GET', {}),
			await request(`${web.url}/api/v1/tasks/web/restart`, 'OPTIONS', {origin: own, 'access-control-request-method': 'POST'}),
			await request(`${web.url}/api/v1/tasks`, 'GET', {origin: listed}),
			await request(`${web.url}/api/v1/tasks/web/restart`, 'OPTIONS', {origin: listed, 'access-control-request-method': 'POST'}),
		];
		assert.deepEqual(answers.map(answer => answer.status), [200, 200, 401, 403, 403]);
		assert.deepEqual(answers.flatMap(corsHeaders), []);
		assert.match(JSON.parse(answers[3]?.body ?? '{}').error.message, /only pages of this address \(taskmaster\.http_cors may list others\) may call the API/);
	});
});

const executablePath = '/usr/bin/chromium';
const skip = existsSync(executablePath) ? false : `${executablePath} is not installed (apt-get install chromium); browser test skipped`;

describe('CORS in a real browser', {skip}, () => {
	let web: WebDaemon;
	let site: http.Server;
	let token: string;
	let sitePort: number;

	before(async () => {
		// A page of another origin: the same address, another port.
		site = http.createServer((_req, res) => res.end('<!doctype html><title>ops</title>'));
		await new Promise<void>(resolve => site.listen(0, '127.0.0.1', resolve));
		sitePort = (site.address() as AddressInfo).port;
		web = await webDaemon(`taskmaster:\n  http: 127.0.0.1:${await freePort()}\n  http_cors: "http://127.0.0.1:${sitePort}"\n${programs}`);
		await web.waitState('web', 'running');
		token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
	});

	after(async () => {
		await web?.cleanup();
		await new Promise(resolve => site?.close(resolve));
	});

	it('lets a listed page restart a task with the token, and keeps another page out', async () => {
		const browser = await chromium.launch({executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
		try {
			const page = await browser.newPage();
			/** What a fetch from the page gets: the status and the body, or the error the browser gives the script. */
			const restart = (withToken: boolean) =>
				page.evaluate(
					async ([url, bearer]) => {
						try {
							const response = await fetch(url ?? '', {method: 'POST', headers: {'Content-Type': 'application/json', ...(bearer ? {Authorization: `Bearer ${bearer}`} : {})}, body: '{}'});
							const doc = (await response.json()) as {error?: {code: string}};
							return `${response.status} ${doc.error?.code ?? 'ok'}`;
						} catch (error) {
							return `blocked: ${(error as Error).name}`;
						}
					},
					[`${web.url}/api/v1/tasks/web/restart`, withToken ? token : ''],
				);

			await page.goto(`http://127.0.0.1:${sitePort}/`);
			const before = web.daemon.engine.get('web').pid;
			assert.equal(await restart(false), '401 E_UNAUTHORIZED', 'the page reads why');
			assert.equal(await restart(true), '200 ok');
			await waitFor(() => web.daemon.engine.get('web').pid, pid => pid !== null && pid !== before, {what: 'a new pid'});

			// localhost is another origin than 127.0.0.1: not listed.
			await page.goto(`http://localhost:${sitePort}/`);
			const pid = web.daemon.engine.get('web').pid;
			assert.equal(await restart(true), 'blocked: TypeError');
			assert.equal(web.daemon.engine.get('web').pid, pid, 'nothing happened');
		} finally {
			await browser.close();
		}
	});
});
