/**
 * Every path the web view answers, and who answers it. A path a browser opens (`/logs`,
 * `/logs/NAME`) is the page when asked for HTML, else its text, for curl.
 */
import type {TmClient} from '../client/seam.js';
import type {Clock} from '../clock.js';
import type {Feed} from '../feed/feed.js';
import {pageTypes, type Page, type PageFile} from './assets.js';
import {eventStream} from './event-stream.js';
import {healthz} from './health.js';
import {send, sendJson, wantsHtml, type Exchange} from './http.js';
import {daemonLogJson, daemonLogText, taskLogJson, taskLogStream, taskLogText, type LogRouteDeps} from './log-routes.js';
import type {Metrics} from './metrics.js';
import {Router} from './router.js';
import type {Streams} from './streams.js';

export type RouteDeps = {client: TmClient; feed: Feed; clock: Clock; streams: Streams; page: Page; metrics: Metrics; logfile: string | null};

export function routes({client, feed, clock, streams, page, metrics, logfile}: RouteDeps): Router<Exchange> {
	const logs: LogRouteDeps = {client, feed, streams, logfile};
	const file =
		(name: PageFile) =>
		({response}: Exchange): void =>
			send(response, 200, pageTypes[name], page[name], name === 'index.html' ? {} : {'Cache-Control': 'no-cache'});
	const html = file('index.html');
	const daemonLog = (exchange: Exchange): void | Promise<void> => (wantsHtml(exchange.request) ? html(exchange) : daemonLogText(logs, exchange));
	return new Router<Exchange>()
		.get('/', html)
		.get('/app.js', file('app.js'))
		.get('/app.css', file('app.css'))
		.get('/console.js', file('console.js'))
		.get('/logs', daemonLog)
		.get('/logs/', daemonLog)
		.get('/logs/:name', (exchange, {name}) => (wantsHtml(exchange.request) ? html(exchange) : taskLogText(logs, exchange, name)))
		.get('/api/status', async ({response}) => sendJson(response, 200, await client.call('status', {})))
		.get('/healthz', ({response}) => healthz(feed, response))
		.get('/api/logs/:name', (exchange, {name}) => taskLogJson(logs, exchange, name))
		.get('/api/logs/:name/stream', (exchange, {name}) => taskLogStream(logs, exchange, name))
		.get('/api/daemon-log', exchange => daemonLogJson(logs, exchange))
		.get('/events', exchange => eventStream({feed, streams, clock}, exchange))
		.get('/metrics', async ({response}) => send(response, 200, metrics.contentType, await metrics.render()));
}
