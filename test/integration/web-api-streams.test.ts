/**
 * 200 clients following `/api/v1/events` at once against a real daemon: each gets the event it
 * asked for, the daemon's memory stays bounded, every stream is let go when its client leaves,
 * and one more than the cap is refused with 429.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {maxStreams} from '../../src/core/web/streams.js';
import {waitFor} from '../helpers/wait.js';
import {webDaemon, type WebDaemon} from '../helpers/web-daemon.js';

type Client = {request: http.ClientRequest; text: () => string; status: Promise<number>};

function follow(url: string): Client {
	let text = '';
	let request!: http.ClientRequest;
	const status = new Promise<number>((resolve, reject) => {
		request = http.get(url, response => {
			resolve(response.statusCode ?? 0);
			response.setEncoding('utf8');
			response.on('data', chunk => (text += chunk));
		});
		request.on('error', error => (request.destroyed ? undefined : reject(error)));
	});
	return {request, text: () => text, status};
}

describe('/api/v1/events with 200 clients', () => {
	let web: WebDaemon;
	const clients: Client[] = [];

	before(async () => {
		web = await webDaemon(['programs:', '  web:', '    cmd: sleep 1000', '    starttime: 0', ''].join('\n'));
		await web.waitState('web', 'running');
	});

	after(async () => {
		clients.forEach(client => client.request.destroy());
		await web?.cleanup();
	});

	it('serves them all with the memory bounded, and refuses one past the cap', async () => {
		global.gc?.();
		const rssBefore = process.memoryUsage().rss;
		for (let i = 0; i < 200; i++) {
			clients.push(follow(`${web.url}/api/v1/events?task=web`));
		}

		assert.deepEqual(new Set(await Promise.all(clients.map(client => client.status))), new Set([200]));
		await waitFor(() => web.daemon.web?.streams, n => n === 200, {what: '200 streams'});
		const token = readFileSync(path.join(web.home, 'http.token'), 'utf8').trim();
		const restart = await fetch(`${web.url}/api/v1/tasks/web/restart`, {method: 'POST', headers: {authorization: `Bearer ${token}`}});
		assert.equal(restart.status, 200);
		await waitFor(() => clients.filter(client => /"to":"running"/.test(client.text())).length, n => n === 200, {what: 'the event at every client', timeout: 20_000});
		const grown = process.memoryUsage().rss - rssBefore;
		// The test and the daemon share this process: 200 streams and their clients in well under 64 MiB.
		assert.ok(grown < 64 * 1024 * 1024, `RSS grew ${Math.round(grown / 1048576)} MiB`);

		for (let i = 200; i < maxStreams; i++) {
			clients.push(follow(`${web.url}/api/v1/events`));
		}

		await waitFor(() => web.daemon.web?.streams, n => n === maxStreams, {what: 'the cap'});
		const refused = await fetch(`${web.url}/api/v1/events`);
		assert.equal(refused.status, 429);
		assert.equal(refused.headers.get('retry-after'), '5');
		assert.equal(((await refused.json()) as {error: {code: string}}).error.code, 'E_TOO_MANY');

		clients.forEach(client => client.request.destroy());
		await waitFor(() => web.daemon.web?.streams, n => n === 0, {what: 'every stream let go'});
	});
});
