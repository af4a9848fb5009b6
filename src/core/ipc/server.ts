/**
 * The daemon's end of the control socket: listens on a Unix socket, accepts any number of
 * clients, and answers JSON-RPC 2.0 lines through a handler table (SPEC §8).
 */
import {chmodSync, statSync} from 'node:fs';
import {stat, unlink} from 'node:fs/promises';
import {createServer, type Server, type Socket} from 'node:net';
import type {Clock} from '../clock.js';
import {messageOf, TmError} from '../errors.js';
import {Connection, type ConnectionLimits} from './connection.js';
import {createDispatch, type Dispatch, type Handlers} from './dispatch.js';
import {defaultMaxLineBytes} from './protocol.js';
import {prepareSocketPath} from './socket-file.js';

export type {ConnectionContext, Handler, Handlers} from './dispatch.js';

/** Options of {@link RpcServer}. */
export type RpcServerOptions = {
	socketPath: string;
	handlers: Handlers;
	/** tm's version, answered by `hello`. */
	version: string;
	clock: Clock;
	/** Longest request line, in bytes; a longer one gets -32600 and the connection is closed. Default 1 MiB. */
	maxLineBytes?: number;
	/**
	 * Per connection: notifications queued for a client that does not read, beyond which they
	 * are dropped (and counted in a `dropped` notification). Default 10,000.
	 */
	maxQueuedMessages?: number;
	/** The same bound in bytes (UTF-16 units) of queued lines. Default 16 MiB. */
	maxQueuedBytes?: number;
	/** Per connection: requests answered at once; reading pauses beyond it. Default 128. */
	maxInFlight?: number;
	/** Longest batch (JSON array of requests). Default 100. */
	maxBatch?: number;
	/** How long a closing connection may take to write what it has left. Default 2,000 ms. */
	closeGraceMs?: number;
	/** The pid `hello` answers. Default `process.pid`. */
	pid?: number;
	/** Told about what a handler threw that was not a TmError or RpcError, and listener errors. */
	onError?: (error: unknown, where: string) => void;
};

/**
 * A JSON-RPC 2.0 server on a Unix socket, one JSON message per line.
 *
 * - `hello` is built in (optional for clients); other methods come from `handlers`.
 * - Malformed JSON gets -32700 (id null) and the connection stays open; a line over
 *   `maxLineBytes` gets -32600 "message too large" and the connection is closed; an unknown
 *   method gets -32601; a TmError thrown by a handler gets tm's code with `data.code`; anything
 *   else thrown gets -32603 and is passed to `onError`.
 * - Batches (a JSON array) are answered as JSON-RPC 2.0 says, with one array of responses.
 * - Notifications sent by the client (no id) are run and never answered, errors included.
 * - Every connection's memory is bounded: see {@link Connection}.
 */
export class RpcServer {
	readonly socketPath: string;
	readonly #clock: Clock;
	readonly #limits: ConnectionLimits;
	readonly #dispatch: Dispatch;
	readonly #onError: ((error: unknown, where: string) => void) | undefined;
	readonly #connections = new Set<Connection>();
	#server: Server | null = null;
	/** The socket file's inode once listening, so `close` removes only its own file. */
	#inode: number | null = null;
	#nextId = 1;
	#closing: Promise<void> | null = null;

	constructor(options: RpcServerOptions) {
		this.socketPath = options.socketPath;
		this.#clock = options.clock;
		this.#onError = options.onError;
		this.#limits = {
			maxLineBytes: options.maxLineBytes ?? defaultMaxLineBytes,
			maxQueuedMessages: options.maxQueuedMessages ?? 10_000,
			maxQueuedBytes: options.maxQueuedBytes ?? 16 * 1024 * 1024,
			maxInFlight: options.maxInFlight ?? 128,
			maxBatch: options.maxBatch ?? 100,
			closeGraceMs: options.closeGraceMs ?? 2000,
		};
		this.#dispatch = createDispatch({
			handlers: options.handlers,
			version: options.version,
			pid: options.pid ?? process.pid,
			onError: (error, method) => this.#report(error, `method ${method}`),
		});
	}

	/** Open connections. */
	get connectionCount(): number {
		return this.#connections.size;
	}

	/** Messages waiting in every connection's queue for clients that read slowly. */
	get queuedMessages(): number {
		let total = 0;
		for (const connection of this.#connections) {
			total += connection.queuedMessages;
		}

		return total;
	}

	/** True between a successful `listen` and `close`. */
	get listening(): boolean {
		return this.#server !== null && this.#closing === null;
	}

	/**
	 * Starts listening. Creates the socket's folder (0700) when missing; throws E_DAEMON_RUNNING
	 * when a daemon already answers on the path; removes a stale socket file; makes the socket
	 * 0600.
	 */
	async listen(): Promise<void> {
		if (this.#server !== null) {
			throw new TmError('E_INTERNAL', 'the control socket is already listening');
		}

		await prepareSocketPath(this.socketPath, this.#clock);
		const server = createServer({allowHalfOpen: true, pauseOnConnect: false}, socket => this.#accept(socket));
		await new Promise<void>((resolve, reject) => {
			const fail = (error: NodeJS.ErrnoException): void => {
				reject(
					error.code === 'EADDRINUSE'
						? new TmError('E_DAEMON_RUNNING', `a tm daemon is already running on ${this.socketPath}`, {cause: error})
						: new TmError('E_INTERNAL', `cannot listen on ${this.socketPath}: ${error.message}`, {cause: error}),
				);
			};

			server.once('error', fail);
			server.listen(this.socketPath, () => {
				server.off('error', fail);
				resolve();
			});
		});
		server.on('error', error => this.#report(error, 'listener'));
		this.#server = server;
		// Synchronous, so no connection is accepted before the caller's next step (the daemon opens
		// tm.db in this turn: no `hello` may tell `tm up` it started before tm.db is judged usable),
		// and none while the socket still has the umask's mode.
		try {
			chmodSync(this.socketPath, 0o600);
			this.#inode = statSync(this.socketPath).ino;
		} catch (error) {
			await this.close();
			throw new TmError('E_INTERNAL', `cannot set the mode of ${this.socketPath}: ${messageOf(error)}`, {cause: error});
		}
	}

	/**
	 * Stops accepting, closes every connection (each answers what it has in flight and writes
	 * what it has queued, within `closeGraceMs`), and removes the socket file. A handler may
	 * start it (`shutdown`) but must not await it: the close waits for that very request.
	 */
	close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		const server = this.#server;
		const closed = server
			? new Promise<void>(resolve => {
					server.close(() => resolve());
				})
			: Promise.resolve();
		const drained = Promise.all(
			[...this.#connections].map(
				connection =>
					new Promise<void>(resolve => {
						connection.context.onClose(resolve);
						connection.close();
					}),
			),
		);
		await Promise.all([closed, drained]);
		if (this.#inode !== null) {
			try {
				// Only our own file: a newer daemon may have taken the path over.
				if ((await stat(this.socketPath)).ino === this.#inode) {
					await unlink(this.socketPath);
				}
			} catch {
				// Already gone.
			}
		}
	}

	#accept(socket: Socket): void {
		if (this.#closing !== null) {
			socket.destroy();
			return;
		}

		const connection = new Connection({
			id: this.#nextId++,
			socket,
			dispatch: this.#dispatch,
			clock: this.#clock,
			limits: this.#limits,
			onClosed: closed => this.#connections.delete(closed),
		});
		this.#connections.add(connection);
	}

	#report(error: unknown, where: string): void {
		try {
			this.#onError?.(error, where);
		} catch {
			// The hook's own failure is not the connection's problem.
		}
	}
}
