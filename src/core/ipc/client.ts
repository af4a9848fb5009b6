/**
 * The clients' end of the control socket, used by every CLI command and the dashboard:
 * connect and `hello`, typed calls, notifications.
 */
import {connect, type Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {systemClock, type Clock, type TimerHandle} from '../clock.js';
import {messageOf, TmError} from '../errors.js';
import type {MethodName, Methods, NotificationName, Notifications} from './methods.js';
import {encode, isRecord, LineDecoder, protocolVersion, tmErrorOf, type RpcErrorObject} from './protocol.js';
import {checkSocketPath} from './socket-file.js';
import {maxAnswerBytes} from './line-codec.js';

/** Options of {@link RpcClient.connect}. */
export type RpcClientOptions = {
	/** The name sent in `hello` (shown in the daemon's log). Default `tm`. */
	client?: string;
	/** How long connecting and `hello` may take together. Default 5,000 ms. */
	timeoutMs?: number;
	clock?: Clock;
	/** Longest line accepted from the daemon. Default `maxAnswerBytes`. */
	maxLineBytes?: number;
};

/** What the daemon answered to `hello`. */
export type ServerHello = Methods['hello']['result'];

type Pending = {
	method: string;
	resolve: (result: unknown) => void;
	reject: (error: TmError) => void;
	timer: TimerHandle | null;
};

function errnoOf(error: unknown): string | undefined {
	return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

/** The TmError for a socket that could not be reached. Always E_DAEMON_NOT_RUNNING (exit 3). */
export function unreachable(socketPath: string, error: unknown): TmError {
	const code = errnoOf(error);
	const message =
		code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTDIR'
			? `no tm daemon is running (socket ${socketPath}); start it with \`tm up\``
			: code === 'EACCES' || code === 'EPERM'
				? `cannot reach the tm daemon: permission denied on ${socketPath}`
				: `cannot reach the tm daemon on ${socketPath}: ${messageOf(error)}`;
	return new TmError('E_DAEMON_NOT_RUNNING', message, {cause: error});
}

function isErrorObject(value: unknown): value is RpcErrorObject {
	return isRecord(value) && typeof value['code'] === 'number' && typeof value['message'] === 'string';
}

/**
 * A connection to the daemon. Calls may overlap; answers are matched by id. Notifications go to
 * the listeners registered with {@link RpcClient.on}.
 *
 * After `subscribe`, events may arrive while the snapshot is on its way (when the daemon's
 * handler is asynchronous): register the `event` listener first and ignore events whose `seq`
 * is not greater than the snapshot's `lastSeq`. A `dropped` notification means the client read
 * too slowly and missed that many notifications: take a new snapshot.
 */
export class RpcClient {
	/** Where the daemon is, for messages: its socket path, or the stream's name (`ssh://web1`). */
	readonly socketPath: string;
	/** The connection: a Unix socket, or any byte stream to the daemon (a channel over ssh). */
	readonly #socket: Duplex;
	readonly #clock: Clock;
	readonly #decoder: LineDecoder;
	readonly #pending = new Map<number, Pending>();
	readonly #listeners = new Map<string, Set<(params: never) => void>>();
	readonly #closeListeners = new Set<(error: TmError | null) => void>();
	#nextId = 1;
	#closed = false;
	#closedByUs = false;
	/** Why the connection closed (null when closed by this side or cleanly). */
	#closeError: TmError | null = null;
	/** The last error the daemon sent without an id (it could not read a request). */
	#lastServerError: RpcErrorObject | null = null;
	#server: ServerHello | null = null;

	private constructor(socketPath: string, socket: Duplex, clock: Clock, maxLineBytes: number) {
		this.socketPath = socketPath;
		this.#socket = socket;
		this.#clock = clock;
		this.#decoder = new LineDecoder(maxLineBytes);
		socket.on('data', (chunk: Buffer) => this.#onData(chunk));
		socket.on('error', error => {
			// A stream that knows why it failed (an ssh channel) says so itself.
			this.#closeError ??= this.#closedByUs ? null : error instanceof TmError ? error : unreachable(socketPath, error);
		});
		socket.on('close', () => this.#onClose());
	}

	/**
	 * Connects to the daemon and says `hello`. Throws E_DAEMON_NOT_RUNNING when nothing listens
	 * on `socketPath` or it does not answer within `timeoutMs`, E_PROTOCOL when the daemon speaks
	 * another protocol.
	 */
	static async connect(socketPath: string, options: RpcClientOptions = {}): Promise<RpcClient> {
		checkSocketPath(socketPath);
		const clock = options.clock ?? systemClock;
		const timeoutMs = options.timeoutMs ?? 5000;
		const deadline = clock.now() + timeoutMs;
		const socket = await new Promise<Socket>((resolve, reject) => {
			const socket = connect(socketPath);
			const timer = clock.at(deadline, () => {
				socket.destroy();
				reject(new TmError('E_DAEMON_NOT_RUNNING', `the tm daemon on ${socketPath} did not accept a connection within ${timeoutMs} ms`));
			});
			const fail = (error: Error): void => {
				timer.cancel();
				socket.destroy();
				reject(unreachable(socketPath, error));
			};

			socket.once('error', fail);
			socket.once('connect', () => {
				timer.cancel();
				socket.off('error', fail);
				resolve(socket);
			});
		});
		return RpcClient.#hello(socketPath, socket, options, deadline);
	}

	/**
	 * Says `hello` over a stream already open to a daemon (an ssh channel); `target` names it in
	 * messages. Same errors as {@link RpcClient.connect} once connected.
	 */
	static async over(stream: Duplex, target: string, options: RpcClientOptions = {}): Promise<RpcClient> {
		const clock = options.clock ?? systemClock;
		return RpcClient.#hello(target, stream, options, clock.now() + (options.timeoutMs ?? 5000));
	}

	static async #hello(target: string, stream: Duplex, options: RpcClientOptions, deadline: number): Promise<RpcClient> {
		const clock = options.clock ?? systemClock;
		const client = new RpcClient(target, stream, clock, options.maxLineBytes ?? maxAnswerBytes);
		try {
			const hello = await client.#request(
				'hello',
				{protocol: protocolVersion, client: options.client ?? 'tm'},
				Math.max(deadline - clock.now(), 1),
			);
			if (!isRecord(hello) || hello['protocol'] !== protocolVersion) {
				const theirs = isRecord(hello) ? String(hello['protocol']) : 'none';
				throw new TmError('E_PROTOCOL', `the tm daemon on ${target} speaks protocol ${theirs}; this tm speaks protocol ${protocolVersion}`);
			}

			client.#server = hello as ServerHello;
		} catch (error) {
			client.#destroy();
			throw error;
		}

		return client;
	}

	/** What the daemon answered to `hello`: its protocol, version and pid. */
	get server(): ServerHello {
		return this.#server ?? {protocol: protocolVersion, version: 'unknown', pid: 0};
	}

	/** True once the connection has closed. */
	get closed(): boolean {
		return this.#closed;
	}

	/**
	 * Calls `method`. Rejects with a TmError: the daemon's code when it answered with an error
	 * (`data.code`, else E_PROTOCOL for the standard JSON-RPC codes); E_DAEMON_NOT_RUNNING when
	 * the connection closed first or no answer came within `timeoutMs` (default: no limit).
	 */
	call<M extends MethodName>(method: M, params: Methods[M]['params'], options: {timeoutMs?: number} = {}): Promise<Methods[M]['result']> {
		return this.#request(method, params, options.timeoutMs) as Promise<Methods[M]['result']>;
	}

	/**
	 * Calls a method that is not (yet) in the {@link Methods} table; the result is unchecked.
	 * Same errors as {@link RpcClient.call}.
	 */
	callUntyped(method: string, params?: unknown, options: {timeoutMs?: number} = {}): Promise<unknown> {
		return this.#request(method, params, options.timeoutMs);
	}

	/** Listens to a notification; returns a function that stops listening. */
	on<N extends NotificationName>(name: N, listener: (params: Notifications[N]) => void): () => void {
		let set = this.#listeners.get(name);
		if (!set) {
			set = new Set();
			this.#listeners.set(name, set);
		}

		set.add(listener as (params: never) => void);
		return () => {
			set.delete(listener as (params: never) => void);
		};
	}

	/**
	 * Calls `listener` once when the connection closes: with null when this side closed it,
	 * else with the reason (E_DAEMON_NOT_RUNNING: the daemon went away). Returns a function that
	 * stops listening.
	 */
	onClose(listener: (error: TmError | null) => void): () => void {
		if (this.#closed) {
			listener(this.#closeError);
			return () => {};
		}

		this.#closeListeners.add(listener);
		return () => {
			this.#closeListeners.delete(listener);
		};
	}

	/** Closes the connection; calls still waiting are rejected. */
	close(): Promise<void> {
		if (this.#closed) {
			return Promise.resolve();
		}

		this.#closedByUs = true;
		return new Promise(resolve => {
			this.#socket.once('close', () => resolve());
			// Once what was written has gone out, nothing more is read: calls still waiting fail.
			this.#socket.end(() => this.#socket.destroy());
		});
	}

	/** Closes at once; `reason` (when given) is what waiting calls and close listeners get. */
	#destroy(reason: TmError | null = null): void {
		this.#closedByUs = reason === null;
		this.#closeError ??= reason;
		this.#socket.destroy();
	}

	#request(method: string, params: unknown, timeoutMs: number | undefined): Promise<unknown> {
		if (this.#closed || this.#closedByUs || this.#socket.destroyed) {
			return Promise.reject(new TmError('E_DAEMON_NOT_RUNNING', `the connection to the tm daemon is closed (calling ${method})`));
		}

		const id = this.#nextId++;
		let line: string;
		try {
			line = encode(params === undefined ? {jsonrpc: '2.0', id, method} : {jsonrpc: '2.0', id, method, params});
		} catch (error) {
			return Promise.reject(new TmError('E_USAGE', `cannot send ${method}: ${messageOf(error)}`, {cause: error}));
		}

		return new Promise((resolve, reject) => {
			const pending: Pending = {method, resolve, reject, timer: null};
			if (timeoutMs !== undefined) {
				pending.timer = this.#clock.at(this.#clock.now() + timeoutMs, () => {
					if (this.#pending.delete(id)) {
						reject(new TmError('E_DAEMON_NOT_RUNNING', `the tm daemon did not answer ${method} within ${timeoutMs} ms`));
					}
				});
			}

			this.#pending.set(id, pending);
			this.#socket.write(line);
		});
	}

	#onData(chunk: Buffer): void {
		for (const item of this.#decoder.push(chunk)) {
			if (!item.ok) {
				const what = item.error === 'parse' ? 'a line that is not JSON' : 'a line that is too long';
				this.#destroy(new TmError('E_PROTOCOL', `the tm daemon on ${this.socketPath} sent ${what}`));
				return;
			}

			this.#onMessage(item.value);
		}
	}

	#onMessage(message: unknown): void {
		if (!isRecord(message)) {
			return;
		}

		const {id, method} = message;
		if (typeof method === 'string' && id === undefined) {
			this.#emit(method, message['params']);
			return;
		}

		const error = message['error'];
		if (typeof id !== 'number') {
			// An answer the daemon could not tie to a request (parse error, message too large).
			if (id === null && isErrorObject(error)) {
				this.#lastServerError = error;
			}

			return;
		}

		const pending = this.#pending.get(id);
		if (!pending) {
			return;
		}

		this.#pending.delete(id);
		pending.timer?.cancel();
		if (isErrorObject(error)) {
			pending.reject(tmErrorOf(error));
		} else if (Object.hasOwn(message, 'result')) {
			pending.resolve(message['result']);
		} else {
			pending.reject(new TmError('E_PROTOCOL', `the tm daemon answered ${pending.method} with neither a result nor an error`));
		}
	}

	#emit(method: string, params: unknown): void {
		const listeners = this.#listeners.get(method);
		if (!listeners) {
			return;
		}

		for (const listener of [...listeners]) {
			try {
				listener(params as never);
			} catch (error) {
				// A listener's bug must not stop the other listeners nor the reading; it still surfaces.
				queueMicrotask(() => {
					throw error;
				});
			}
		}
	}

	#onClose(): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		if (this.#closeError === null && !this.#closedByUs) {
			this.#closeError = this.#lastServerError
				? tmErrorOf(this.#lastServerError)
				: new TmError('E_DAEMON_NOT_RUNNING', `the tm daemon closed the connection (socket ${this.socketPath})`);
		}

		const reason =
			this.#closeError ?? new TmError('E_DAEMON_NOT_RUNNING', 'the connection to the tm daemon was closed before the answer came');
		for (const pending of this.#pending.values()) {
			pending.timer?.cancel();
			pending.reject(reason);
		}

		this.#pending.clear();
		for (const listener of [...this.#closeListeners]) {
			listener(this.#closeError);
		}

		this.#closeListeners.clear();
	}
}
