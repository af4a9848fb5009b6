/**
 * The web view (`taskmaster.http`, SPEC §9) on node:http: listening and closing, and the path of
 * every request: `/api/v1` to the API (api/app.ts, where tasks are controlled), the rest (GET
 * only, the token, then the route table) read-only. Tasks are read as any client reads them: the feed (the read model as a stream) and the
 * client seam (`status`, `logs`); only `/metrics` counts over the engine itself.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import type {AlerterStats} from '../alerts/index.js';
import type {TmClient} from '../client/seam.js';
import type {Clock} from '../clock.js';
import {parseHttp} from '../config/daemon.js';
import type {Engine} from '../engine.js';
import {messageOf, TmError} from '../errors.js';
import type {Feed} from '../feed/feed.js';
import type {Millis} from '../model.js';
import {loadPage, type Page} from './assets.js';
import {authorize, cookieHeader} from './auth.js';
import {send, sendText, wantsHtml, type Exchange} from './http.js';
import type {EventTally} from '../event-tally.js';
import type {ClusterMetrics, Metrics} from './metrics.js';
import type {Router} from './router.js';
import {apiListener} from './api/app.js';
import type {HistoryReader} from './api/operation.js';
import {routes} from './routes.js';
import {maxStreams, Streams} from './streams.js';

export type WebOptions = {
	/** The read model as a stream: `/events`, and the daemon log's live lines. */
	feed: Feed;
	/** What the view asks as any client would (`status`, `logs`): the daemon's in-process client, closed with the view. */
	client: TmClient;
	/** Read by `/metrics` only. */
	engine: Engine;
	/** Read by `/metrics` only: what only events tell, counted since the daemon's first event. */
	tally: EventTally;
	clock: Clock;
	/** `taskmaster.http` as written: `127.0.0.1:4242`, `[::1]:4242`, `:4242`. Port 0 picks a free port. */
	address: string;
	/** `http_token`: when set, every request needs it (reads too). */
	token: string | null;
	/** What every mutation of `/api/v1` needs: `http_token`, else the generated one (token.ts). */
	apiToken: string;
	/** `http_cors`: other origins whose pages may call `/api/v1`; none when absent. */
	cors?: readonly string[];
	/** The audit trail from tm.db, for `/api/v1/history` (the composition root opens the store). */
	history: HistoryReader;
	startedAt: Millis;
	version: string;
	/** The daemon log (absolute), shown at `/logs`; null when `logfile` is not set. */
	logfile: string | null;
	alerts?(): AlerterStats | null;
	/** Read by `/metrics` only: the slots now. */
	slots?(): number | null;
	/** Read by `/metrics` only: this daemon as a cluster member. */
	cluster?(): ClusterMetrics | null;
	onWarning?(message: string): void;
};

/** The `taskmaster.http` address split for listen(); throws when it cannot be used. */
function listenAddress(address: string): {host: string | undefined; port: number; loopback: boolean} {
	const zero = /^(.*):0$/.exec(address.trim());
	const parsed = parseHttp(zero ? `${zero[1]}:1` : address);
	if (!parsed.ok) {
		throw new TmError('E_CONFIG_INVALID', `taskmaster.http: ${parsed.error}`);
	}

	return {host: parsed.value.host === '' ? undefined : parsed.value.host, port: zero ? 0 : parsed.value.port, loopback: parsed.value.loopback};
}

export class WebServer {
	readonly #options: WebOptions;
	readonly #server: Server;
	readonly #streams: Streams;
	readonly #router: Router<Exchange>;
	readonly #api: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
	readonly #host: string | undefined;

	/**
	 * Starts listening on `options.address`. The view owns `options.client` from here on: it is
	 * closed when the view closes, or when it cannot start.
	 * @throws TmError `E_CONFIG_INVALID` for a non-loopback address without a token, `E_INTERNAL`
	 * when the address cannot be bound (in use, not on this machine…) or the page cannot be read.
	 */
	static async start(options: WebOptions): Promise<WebServer> {
		try {
			return await WebServer.#open(options);
		} catch (error) {
			await options.client.close();
			throw error;
		}
	}

	static async #open(options: WebOptions): Promise<WebServer> {
		const {host, port, loopback} = listenAddress(options.address);
		if (!loopback && options.token === null) {
			throw new TmError(
				'E_CONFIG_INVALID',
				`taskmaster.http: ${options.address} is reachable from other machines; set taskmaster.http_token too, or bind 127.0.0.1`,
			);
		}

		const page = await loadPage().catch((error: unknown) => {
			throw new TmError('E_INTERNAL', `cannot read the web page: ${messageOf(error)}`, {cause: error});
		});
		// prom-client is loaded only by a daemon that serves metrics, not by every `tm` command.
		const {Metrics} = await import('./metrics.js');
		const web = new WebServer(options, host, page, Metrics);
		try {
			await new Promise<void>((resolve, reject) => {
				web.#server.once('error', reject);
				web.#server.listen({host, port, exclusive: true}, () => {
					web.#server.off('error', reject);
					resolve();
				});
			});
		} catch (error) {
			throw new TmError('E_INTERNAL', `cannot serve the web view on ${options.address}: ${messageOf(error)}`, {cause: error});
		}

		web.#server.on('error', error => options.onWarning?.(`web view: ${messageOf(error)}`));
		return web;
	}

	private constructor(options: WebOptions, host: string | undefined, page: Page, MetricsOf: typeof Metrics) {
		this.#options = options;
		this.#host = host;
		const streams = new Streams(options.clock);
		const {engine, tally, clock, startedAt, version} = options;
		const metrics = new MetricsOf({engine, tally, clock, startedAt, version, streams: () => streams.size, alerts: () => options.alerts?.() ?? null, slots: options.slots, cluster: () => options.cluster?.() ?? null});
		this.#streams = streams;
		this.#router = routes({client: options.client, feed: options.feed, clock, streams, page, metrics, logfile: options.logfile});
		this.#api = apiListener({
			client: options.client,
			feed: options.feed,
			clock,
			streams,
			logfile: options.logfile,
			history: options.history,
			guard: {readToken: options.token, token: options.apiToken, boundHost: host ?? '', port: () => this.port, origins: options.cors ?? []},
			...(options.onWarning ? {onWarning: options.onWarning} : {}),
		});
		this.#server = createServer((request, response) => {
			this.#handle(request, response).catch((error: unknown) => {
				options.onWarning?.(`web view: ${request.method ?? '?'} ${request.url ?? '?'}: ${messageOf(error)}`);
				if (!response.headersSent) {
					sendText(response, 500, 'internal error');
				} else {
					response.destroy();
				}
			});
		});
		this.#server.headersTimeout = 10_000;
		this.#server.requestTimeout = 30_000;
		// Every stream, and room for the page and API calls beside them.
		this.#server.maxConnections = maxStreams + 64;
	}

	/** `http://127.0.0.1:4242`: where the view is, with the port actually bound. */
	get url(): string {
		const address = this.#server.address() as AddressInfo | null;
		// Every interface: name the machine, which is what a person elsewhere can reach.
		const host = this.#host === undefined || this.#host === '0.0.0.0' || this.#host === '::' ? os.hostname() : this.#host;
		const shown = host.includes(':') ? `[${host}]` : host;
		return `http://${shown}:${address?.port ?? 0}`;
	}

	get port(): number {
		return (this.#server.address() as AddressInfo | null)?.port ?? 0;
	}

	/** Open event and log streams. */
	get streams(): number {
		return this.#streams.size;
	}

	/** Ends every stream, stops listening and closes the client. */
	async close(): Promise<void> {
		this.#streams.closeAll();
		await new Promise<void>(resolve => {
			this.#server.close(() => resolve());
			this.#server.closeAllConnections();
		});
		await this.#options.client.close();
	}

	async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://tm.invalid');
		if (url.pathname === '/api/v1' || url.pathname.startsWith('/api/v1/')) {
			await this.#api(request, response);
			return;
		}

		if (request.method !== 'GET' && request.method !== 'HEAD') {
			sendText(response, 405, 'only GET here; the API (/api/v1) takes the rest', {Allow: 'GET, HEAD'});
			return;
		}

		const {token} = this.#options;
		const verdict = authorize(request, url.searchParams, token, this.#host ?? '');
		if (!verdict.ok) {
			const headers: Record<string, string> = verdict.status === 401 ? {'WWW-Authenticate': 'Bearer realm="tm"'} : {};
			sendText(response, verdict.status, verdict.why, headers);
			return;
		}

		if (verdict.setCookie && token !== null) {
			response.setHeader('Set-Cookie', cookieHeader(token));
			if (wantsHtml(request)) {
				// Take the token out of the address bar (and out of the history).
				url.searchParams.delete('token');
				send(response, 303, 'text/plain; charset=utf-8', '', {Location: `${url.pathname}${url.search}`});
				return;
			}
		}

		const route = this.#router.resolve(url.pathname);
		if (route === null) {
			sendText(response, 404, `not found: ${url.pathname} (try /, /logs, /logs/NAME, /metrics, /events, /api/status)`);
		} else if (!route.ok) {
			sendText(response, 400, route.why);
		} else {
			await route.run({request, response, url});
		}
	}
}
