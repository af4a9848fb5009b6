/**
 * The web view (`taskmaster.http`, SPEC §9) on node:http: the page, the log views, `/metrics`,
 * `/events` and `/api/status`. Read-only: nothing here changes a task. Every stream is bounded
 * (a client that reads too slowly is dropped and may resume), and timers run on the Clock.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import type {AlerterStats} from '../alerts/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import {parseHttp} from '../config/daemon.js';
import {selectTasks} from '../control/select.js';
import {eventDoc, lineDoc, statusDoc, taskDoc} from '../documents.js';
import type {Engine, TaskEventRecord} from '../engine.js';
import {messageOf, TmError} from '../errors.js';
import {eventJsonLine} from '../event-log.js';
import type {DaemonDoc, EventDoc, HostDoc} from '../ipc/methods.js';
import type {LogLine} from '../log/line-ring.js';
import type {Millis} from '../model.js';
import type {Supervisor} from '../supervisor.js';
import {authorize, cookieHeader} from './auth.js';
import {tailLines} from './file-tail.js';
import {EventJournal} from '../feed/journal.js';
import type {Metrics, MetricsSource} from './metrics.js';
import {appCss, appJs, pageHtml} from './page.js';
import {lastEventId, maxBurstBytes, SseStream} from './sse.js';

export type WebOptions = {
	engine: Engine;
	clock: Clock;
	/** `taskmaster.http` as written: `127.0.0.1:4242`, `[::1]:4242`, `:4242`. Port 0 picks a free port. */
	address: string;
	token: string | null;
	daemon(): DaemonDoc;
	startedAt: Millis;
	version: string;
	/** The daemon log (absolute), shown at `/logs`; null when `logfile` is not set. */
	logfile: string | null;
	alerts?(): AlerterStats | null;
	/** The last host sample, for the status document. */
	host?(): HostDoc | null;
	onWarning?(message: string): void;
	/** Events kept for `Last-Event-ID` (default 10,000). */
	journalSize?: number;
};

/** Open event and log streams at most; more are answered 503. */
export const maxStreams = 64;
/** How often the page's task rows are refreshed (heartbeat age, progress), while a page is open. */
export const taskTickMs = 1000;
/** A comment on every stream this often keeps proxies from closing idle connections. */
const keepAliveTicks = 15;
const defaultLines = 200;
const maxLines = 5000;

type Route = (request: IncomingMessage, response: ServerResponse, url: URL, rest: string) => void | Promise<void>;

function linesParam(query: URLSearchParams): number {
	const n = Number(query.get('lines') ?? defaultLines);
	return Number.isInteger(n) && n >= 0 ? Math.min(n, maxLines) : defaultLines;
}

function streamParam(query: URLSearchParams): 'stdout' | 'stderr' | undefined {
	const value = query.get('stream');
	return value === 'stdout' || value === 'stderr' ? value : undefined;
}

const securityHeaders = {
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'no-referrer',
	'X-Frame-Options': 'DENY',
	'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
	response.writeHead(status, {'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...securityHeaders, ...headers});
	response.end(body);
}

const sendJson = (response: ServerResponse, status: number, value: unknown): void =>
	send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);

const sendText = (response: ServerResponse, status: number, text: string, headers?: Record<string, string>): void =>
	send(response, status, 'text/plain; charset=utf-8', text.endsWith('\n') || text === '' ? text : `${text}\n`, headers);

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
	readonly #journal: EventJournal;
	readonly #metrics: Metrics;
	readonly #routes: Array<[RegExp, Route]>;
	readonly #streams = new Set<SseStream | ServerResponse>();
	/** Streams of `/events` and what each asked for. */
	readonly #eventClients = new Map<SseStream, {tasks: boolean}>();
	/** `/logs?follow` as text: the daemon log's live lines. */
	readonly #textFollowers = new Set<ServerResponse>();
	/** The task rows the page clients last got, as JSON, to send only what changed. */
	#taskRows = new Map<string, string>();
	#tick: TimerHandle | null = null;
	#ticks = 0;
	readonly #offEngine: () => void;
	readonly #host: string | undefined;

	/**
	 * Starts listening on `options.address`.
	 * @throws TmError `E_CONFIG_INVALID` for a non-loopback address without a token, `E_INTERNAL`
	 * when the address cannot be bound (in use, not on this machine…).
	 */
	static async start(options: WebOptions): Promise<WebServer> {
		const {host, port, loopback} = listenAddress(options.address);
		if (!loopback && options.token === null) {
			throw new TmError(
				'E_CONFIG_INVALID',
				`taskmaster.http: ${options.address} is reachable from other machines; set taskmaster.http_token too, or bind 127.0.0.1`,
			);
		}

		// prom-client is loaded only by a daemon that serves metrics, not by every `tm` command.
		const {Metrics} = await import('./metrics.js');
		const web = new WebServer(options, host, source => new Metrics(source));
		try {
			await new Promise<void>((resolve, reject) => {
				web.#server.once('error', reject);
				web.#server.listen({host, port, exclusive: true}, () => {
					web.#server.off('error', reject);
					resolve();
				});
			});
		} catch (error) {
			web.#offEngine();
			throw new TmError('E_INTERNAL', `cannot serve the web view on ${options.address}: ${messageOf(error)}`, {cause: error});
		}

		web.#server.on('error', error => options.onWarning?.(`web view: ${messageOf(error)}`));
		return web;
	}

	private constructor(options: WebOptions, host: string | undefined, metrics: (source: MetricsSource) => Metrics) {
		this.#options = options;
		this.#host = host;
		this.#journal = new EventJournal(options.journalSize, options.engine.lastSeq);
		this.#metrics = metrics({
			engine: options.engine,
			clock: options.clock,
			startedAt: options.startedAt,
			version: options.version,
			streams: () => this.#streams.size,
			alerts: () => options.alerts?.() ?? null,
		});
		this.#offEngine = options.engine.on(event => this.#published(event));
		this.#routes = [
			[/^\/$/, (_q, r) => this.#page(r)],
			[/^\/logs\/?$/, (q, r, u) => (this.#wantsHtml(q) ? this.#page(r) : this.#daemonLogText(q, r, u))],
			[/^\/logs\/([^/]+)$/, (q, r, u, name) => (this.#wantsHtml(q) ? this.#page(r) : this.#taskLogText(r, u, name))],
			[/^\/app\.js$/, (_q, r) => send(r, 200, 'text/javascript; charset=utf-8', appJs, {'Cache-Control': 'no-cache'})],
			[/^\/app\.css$/, (_q, r) => send(r, 200, 'text/css; charset=utf-8', appCss, {'Cache-Control': 'no-cache'})],
			[/^\/api\/status$/, (_q, r) => sendJson(r, 200, statusDoc(options.daemon(), options.engine.list(), options.host?.() ?? null, options.engine.config.daemon.taskTimeoutMs))],
			[/^\/api\/logs\/([^/]+)$/, (_q, r, u, name) => this.#taskLogJson(r, u, name)],
			[/^\/api\/logs\/([^/]+)\/stream$/, (q, r, u, name) => this.#taskLogStream(q, r, u, name)],
			[/^\/api\/daemon-log$/, (_q, r, u) => this.#daemonLogJson(r, u)],
			[/^\/events$/, (q, r, u) => this.#events(q, r, u)],
			[/^\/metrics$/, async (_q, r) => send(r, 200, this.#metrics.contentType, await this.#metrics.render())],
		];
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
		this.#server.maxConnections = 4 * maxStreams;
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

	/** Ends every stream and stops listening. */
	async close(): Promise<void> {
		this.#offEngine();
		this.#tick?.cancel();
		this.#tick = null;
		for (const stream of [...this.#streams]) {
			if (stream instanceof SseStream) {
				stream.close();
			} else {
				stream.end();
			}
		}

		await new Promise<void>(resolve => {
			this.#server.close(() => resolve());
			this.#server.closeAllConnections();
		});
	}

	async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		// What the page, /metrics and /events show is written first (Engine.settle).
		this.#options.engine.settle();
		const url = new URL(request.url ?? '/', 'http://tm.invalid');
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			sendText(response, 405, 'the web view is read-only: GET only', {Allow: 'GET, HEAD'});
			return;
		}

		const verdict = authorize(request, url.searchParams, this.#options.token, this.#host ?? '');
		if (!verdict.ok) {
			const headers: Record<string, string> = verdict.status === 401 ? {'WWW-Authenticate': 'Bearer realm="tm"'} : {};
			sendText(response, verdict.status, verdict.why, headers);
			return;
		}

		if (verdict.setCookie && this.#options.token !== null) {
			response.setHeader('Set-Cookie', cookieHeader(this.#options.token));
			if (this.#wantsHtml(request)) {
				// Take the token out of the address bar (and out of the history).
				url.searchParams.delete('token');
				send(response, 303, 'text/plain; charset=utf-8', '', {Location: `${url.pathname}${url.search}`});
				return;
			}
		}

		for (const [pattern, route] of this.#routes) {
			const match = pattern.exec(url.pathname);
			if (match) {
				let rest = '';
				try {
					rest = decodeURIComponent(match[1] ?? '');
				} catch {
					sendText(response, 400, 'bad escape in the path');
					return;
				}

				await route(request, response, url, rest);
				return;
			}
		}

		sendText(response, 404, `not found: ${url.pathname} (try /, /logs, /logs/NAME, /metrics, /events, /api/status)`);
	}

	#wantsHtml(request: IncomingMessage): boolean {
		return (request.headers.accept ?? '').includes('text/html');
	}

	#page(response: ServerResponse): void {
		send(response, 200, 'text/html; charset=utf-8', pageHtml);
	}

	/** The task a URL names: its id, else a program with one task. */
	#task(name: string): Supervisor | null {
		const tasks = this.#options.engine.list();
		const exact = tasks.find(t => t.id === name);
		if (exact) {
			return exact;
		}

		try {
			const chosen = selectTasks([name], tasks);
			return chosen.length === 1 ? (chosen[0] ?? null) : null;
		} catch {
			return null;
		}
	}

	#unknownTask(response: ServerResponse, name: string): void {
		sendJson(response, 404, {error: {code: 'E_UNKNOWN_TASK', message: `no such task: ${name}`}});
	}

	/** Admits one more stream, or answers 503. */
	#admit(response: ServerResponse): boolean {
		if (this.#streams.size >= maxStreams) {
			sendText(response, 503, `too many open streams (${maxStreams}); close some and retry`, {'Retry-After': '5'});
			return false;
		}

		return true;
	}

	#track(stream: SseStream): void {
		this.#streams.add(stream);
		stream.onClose(() => {
			this.#streams.delete(stream);
			this.#eventClients.delete(stream);
		});
		this.#arm();
	}

	#taskLogJson(response: ServerResponse, url: URL, name: string): void {
		const task = this.#task(name);
		if (!task) {
			this.#unknownTask(response, name);
			return;
		}

		const lines = task.log.tail(linesParam(url.searchParams), streamParam(url.searchParams));
		sendJson(response, 200, {task: task.id, lines: lines.map(lineDoc)});
	}

	/** A task's lines as SSE: the tail (or what came after `Last-Event-ID`), then each new line. */
	#taskLogStream(request: IncomingMessage, response: ServerResponse, url: URL, name: string): void {
		const task = this.#task(name);
		if (!task) {
			this.#unknownTask(response, name);
			return;
		}

		if (!this.#admit(response)) {
			return;
		}

		const stream = new SseStream(response);
		if (request.method === 'HEAD') {
			stream.close();
			return;
		}

		const only = streamParam(url.searchParams);
		const wanted = (line: LogLine): boolean => only === undefined || line.stream === only;
		const last = lastEventId(request, url.searchParams);
		const missed = last === null || last > task.log.lastSeq ? null : task.log.since(last);
		let replay: LogLine[];
		if (missed !== null && (missed.length === 0 || missed[0]?.seq === last! + 1)) {
			replay = missed;
		} else {
			if (last !== null) {
				stream.send({event: 'reset', data: {why: `log lines after ${last} are no longer kept`, lastSeq: task.log.lastSeq}});
			}

			replay = task.log.tail(linesParam(url.searchParams), only);
		}

		for (const line of replay.filter(wanted)) {
			stream.send({id: line.seq, data: lineDoc(line)});
		}

		const off = task.log.onLine(line => {
			if (wanted(line)) {
				stream.send({id: line.seq, data: lineDoc(line)});
			}
		});
		stream.onClose(off);
		this.#track(stream);
	}

	/** `curl /logs/web`: the lines as text; with `?follow=1`, like `tail -f`. */
	#taskLogText(response: ServerResponse, url: URL, name: string): void {
		const task = this.#task(name);
		if (!task) {
			sendText(response, 404, `no such task: ${name}`);
			return;
		}

		const only = streamParam(url.searchParams);
		const text = task.log
			.tail(linesParam(url.searchParams), only)
			.map(line => `${line.text}\n`)
			.join('');
		if (!this.#startText(response, url, text)) {
			return;
		}

		const off = task.log.onLine(line => {
			if (only === undefined || line.stream === only) {
				this.#writeText(response, `${line.text}\n`);
			}
		});
		response.on('close', off);
	}

	/**
	 * Sends `text` and ends, or (with `?follow=1`, and a stream slot free) sends it as the start
	 * of a stream. True when the caller should go on following.
	 */
	#startText(response: ServerResponse, url: URL, text: string): boolean {
		if (!this.#follows(url)) {
			sendText(response, 200, text);
			return false;
		}

		if (!this.#admit(response)) {
			return false;
		}

		this.#openText(response, text);
		return true;
	}

	#follows(url: URL): boolean {
		const value = url.searchParams.get('follow');
		return value !== null && value !== '0' && value !== 'false';
	}

	#openText(response: ServerResponse, initial: string): void {
		response.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', ...securityHeaders});
		response.write(initial);
		this.#streams.add(response);
		response.on('close', () => {
			this.#streams.delete(response);
			this.#textFollowers.delete(response);
		});
	}

	#writeText(response: ServerResponse, text: string): void {
		if (response.writableLength > maxBurstBytes) {
			response.destroy();
			return;
		}

		response.write(text);
	}

	/** The daemon log's last lines: from `logfile`, else the events this daemon kept. */
	async #daemonLogLines(n: number): Promise<string[]> {
		const file = this.#options.logfile;
		if (file === null) {
			return this.#journal.tail(n).map(event => eventJsonLine(fromDoc(event)).trimEnd());
		}

		return tailLines(file, n);
	}

	async #daemonLogJson(response: ServerResponse, url: URL): Promise<void> {
		const lines = await this.#daemonLogLines(linesParam(url.searchParams));
		const entries = lines.map(line => {
			try {
				return JSON.parse(line) as unknown;
			} catch {
				return {message: line};
			}
		});
		sendJson(response, 200, {file: this.#options.logfile, lastSeq: this.#journal.lastSeq, lines: entries});
	}

	async #daemonLogText(_request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
		const lines = await this.#daemonLogLines(linesParam(url.searchParams));
		if (this.#startText(response, url, lines.map(line => `${line}\n`).join(''))) {
			this.#textFollowers.add(response);
		}
	}

	/**
	 * `/events`: every event as `id: <seq>` + JSON. With `Last-Event-ID` (or `?lastEventId=`),
	 * what came after it first; when that is not possible, an `event: reset` saying why. With
	 * `?snapshot=1`, an `event: snapshot` (the status document and its `lastSeq`) starts every
	 * connection instead of a replay; with `?tasks=1`, `event: tasks` carries the rows that
	 * changed, every second (heartbeat age, progress).
	 */
	#events(request: IncomingMessage, response: ServerResponse, url: URL): void {
		if (!this.#admit(response)) {
			return;
		}

		const stream = new SseStream(response);
		if (request.method === 'HEAD') {
			stream.close();
			return;
		}

		const query = url.searchParams;
		const on = (key: string): boolean => ['1', 'true', 'yes'].includes(query.get(key) ?? '');
		const last = lastEventId(request, query);
		// Replay and registration happen in this one synchronous turn: no gap and no duplicate.
		if (on('snapshot')) {
			this.#sendSnapshot(stream);
		} else if (last !== null) {
			const replay = this.#journal.since(last);
			if (replay.ok) {
				for (const event of replay.events) {
					stream.send({id: event.seq, data: event});
				}
			} else {
				stream.send({event: 'reset', data: {why: replay.why, lastSeq: this.#journal.lastSeq}});
			}
		}

		this.#eventClients.set(stream, {tasks: on('tasks')});
		this.#track(stream);
	}

	#sendSnapshot(stream: SseStream): void {
		const {engine, daemon, clock, host} = this.#options;
		const lastSeq = this.#journal.lastSeq;
		stream.send({id: lastSeq, event: 'snapshot', data: {...statusDoc(daemon(), engine.list(), host?.() ?? null, engine.config.daemon.taskTimeoutMs), lastSeq, now: new Date(clock.now()).toISOString()}});
	}

	#published(event: TaskEventRecord): void {
		const doc = eventDoc(event);
		this.#journal.push(doc);
		this.#metrics.observe(event);
		for (const stream of this.#eventClients.keys()) {
			stream.send({id: doc.seq, data: doc});
		}

		if (this.#textFollowers.size > 0) {
			const line = eventJsonLine(event);
			for (const response of this.#textFollowers) {
				this.#writeText(response, line);
			}
		}
	}

	/** Runs the one-second tick while any stream is open. */
	#arm(): void {
		if (this.#tick !== null || this.#streams.size === 0) {
			return;
		}

		const {clock} = this.#options;
		this.#tick = clock.at(clock.now() + taskTickMs, () => {
			this.#tick = null;
			this.#ticks++;
			for (const stream of this.#streams) {
				if (stream instanceof SseStream) {
					stream.checkBacklog();
				}
			}

			this.#pushTaskRows();
			if (this.#ticks % keepAliveTicks === 0) {
				for (const stream of this.#streams) {
					if (stream instanceof SseStream) {
						stream.comment('keep-alive');
					}
				}
			}

			this.#arm();
		});
	}

	/** Sends the page clients the task rows that changed since the last tick. */
	#pushTaskRows(): void {
		const readers = [...this.#eventClients].filter(([, wants]) => wants.tasks).map(([stream]) => stream);
		if (readers.length === 0) {
			this.#taskRows.clear();
			return;
		}

		const rows = new Map(this.#options.engine.list().map(task => {
			const row = taskDoc(task, this.#options.engine.config.daemon.taskTimeoutMs);
			return [row.id, {row, json: JSON.stringify(row)}] as const;
		}));
		const changed = [...rows.values()].filter(({row, json}) => this.#taskRows.get(row.id) !== json).map(({row}) => row);
		const removed = [...this.#taskRows.keys()].filter(id => !rows.has(id));
		this.#taskRows = new Map([...rows].map(([id, {json}]) => [id, json]));
		if (changed.length === 0 && removed.length === 0) {
			return;
		}

		const data = {tasks: changed, removed, now: new Date(this.#options.clock.now()).toISOString()};
		for (const stream of readers) {
			stream.send({event: 'tasks', data});
		}
	}
}

/** An event document back to the record `eventJsonLine` formats. */
function fromDoc(doc: EventDoc): TaskEventRecord {
	return {...doc, at: Date.parse(doc.at), type: 'state', from: doc.from as TaskEventRecord['from'], to: doc.to as TaskEventRecord['to']};
}
