/**
 * One client connection on the daemon's side: reading frames, answering them through the
 * dispatcher, and closing cleanly whatever the client does (sends garbage, never reads, goes
 * away mid-request). Writing with bounded memory is the outbox's (`outbox.ts`).
 */
import type {Socket} from 'node:net';
import type {Clock, TimerHandle} from '../clock.js';
import type {ConnectionContext, Dispatch, DispatchTarget} from './dispatch.js';
import {encodeNotification} from './encoded.js';
import {Outbox} from './outbox.js';
import {
	clip,
	describeBytes,
	errorResponse,
	LineDecoder,
	rpcErrorCodes,
	validateRequest,
	type Response,
} from './protocol.js';

/** Limits of one connection; see `RpcServerOptions` for what each means. */
export type ConnectionLimits = {
	maxLineBytes: number;
	maxQueuedMessages: number;
	maxQueuedBytes: number;
	maxInFlight: number;
	maxBatch: number;
	closeGraceMs: number;
};

/** Options of {@link Connection}. */
export type ConnectionOptions = {
	id: number;
	socket: Socket;
	dispatch: Dispatch;
	clock: Clock;
	limits: ConnectionLimits;
	/** Called once, after the socket has closed and the close listeners ran. */
	onClosed: (connection: Connection) => void;
};

/** The serialised form of a response; one that cannot be encoded becomes -32603. */
function responseJson(response: Response): string {
	try {
		return JSON.stringify(response);
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		return JSON.stringify(
			errorResponse(response.id, {
				code: rpcErrorCodes.internalError,
				message: `the result could not be encoded: ${clip(message, 200)}`,
				data: {code: 'E_INTERNAL'},
			}),
		);
	}
}

/**
 * One accepted socket. Reading pauses while the client is not reading its answers (the socket's
 * buffer is full) or too many of its requests are in flight, so a client cannot make the daemon
 * queue without bound by pipelining.
 */
export class Connection {
	readonly id: number;
	readonly context: ConnectionContext;
	readonly #socket: Socket;
	readonly #dispatch: Dispatch;
	readonly #clock: Clock;
	readonly #limits: ConnectionLimits;
	readonly #onClosed: (connection: Connection) => void;
	readonly #decoder: LineDecoder;
	readonly #outbox: Outbox;
	readonly #target: DispatchTarget;
	#closeListeners: Array<() => void> = [];
	#client: string | null = null;
	#inFlight = 0;
	#paused = false;
	/** No more input is read: closing, or the client ended its side. */
	#inputDone = false;
	/** Ending: once nothing is in flight or queued, the socket is ended. */
	#closing = false;
	#ended = false;
	#closed = false;
	#graceTimer: TimerHandle | null = null;

	constructor(options: ConnectionOptions) {
		this.id = options.id;
		this.#socket = options.socket;
		this.#dispatch = options.dispatch;
		this.#clock = options.clock;
		this.#limits = options.limits;
		this.#onClosed = options.onClosed;
		this.#decoder = new LineDecoder(options.limits.maxLineBytes);
		this.#outbox = new Outbox(options.socket, options.limits, {
			blocked: () => this.#updateReading(),
			drained: () => {
				this.#updateReading();
				this.#maybeEnd();
			},
			overflow: () => this.destroy(),
		});

		const client = (): string | null => this.#client;
		const closed = (): boolean => this.#closed;
		this.context = {
			id: this.id,
			get client() {
				return client();
			},
			get closed() {
				return closed();
			},
			notify: (method, params, items) => this.#notify(method, params, items),
			onClose: listener => {
				if (this.#closed) {
					listener();
				} else {
					this.#closeListeners.push(listener);
				}
			},
			close: () => this.close(),
		};
		this.#target = {
			context: this.context,
			setClient: name => {
				this.#client = name;
			},
		};

		const socket = this.#socket;
		socket.on('data', (chunk: Buffer) => this.#onData(chunk));
		socket.on('end', () => this.#onEnd());
		socket.on('drain', () => this.#outbox.flush());
		// 'close' always follows an error; nothing else to do with it.
		socket.on('error', () => {});
		socket.on('close', () => this.#onClose());
	}

	/** Requests being answered. */
	get inFlight(): number {
		return this.#inFlight;
	}

	/** Messages waiting for the client to read. */
	get queuedMessages(): number {
		return this.#outbox.queued;
	}

	/**
	 * Stops reading, answers what is in flight, writes what is queued, then ends the socket;
	 * destroys it if that has not happened within `closeGraceMs`.
	 */
	close(): void {
		if (this.#closed) {
			return;
		}

		// Also when the client already ended its side: the grace period starts now.
		this.#closing = true;
		this.#inputDone = true;
		this.#decoder.reset();
		this.#armGrace();
		this.#maybeEnd();
	}

	/** Closes at once, dropping what is queued. */
	destroy(): void {
		if (!this.#closed) {
			this.#socket.destroy();
		}
	}

	#onData(chunk: Buffer): void {
		if (this.#inputDone) {
			return;
		}

		for (const item of this.#decoder.push(chunk)) {
			if (item.ok) {
				if (Array.isArray(item.value)) {
					this.#batch(item.value);
				} else {
					this.#single(item.value);
				}
			} else if (item.error === 'parse') {
				this.#respond(errorResponse(null, {code: rpcErrorCodes.parseError, message: 'parse error: the line is not valid JSON'}));
			} else {
				const limit = describeBytes(this.#limits.maxLineBytes);
				this.#respond(errorResponse(null, {code: rpcErrorCodes.invalidRequest, message: `message too large (over ${limit})`}));
				this.close();
			}

			if (this.#inputDone) {
				break;
			}
		}

		this.#updateReading();
	}

	#onEnd(): void {
		// A last line without '\n' still counts (`printf '{…}' | nc -U tm.sock`).
		if (!this.#inputDone && this.#decoder.bufferedBytes > 0) {
			this.#onData(Buffer.from('\n'));
		}

		this.#inputDone = true;
		this.#closing = true;
		this.#maybeEnd();
	}

	#single(value: unknown): void {
		const checked = validateRequest(value);
		if (!checked.ok) {
			this.#respond(checked.error);
			return;
		}

		// Counted while the handler runs, even a synchronous one: a handler that closes the
		// connection (or the server) still has its answer written.
		this.#inFlight++;
		const answer = this.#dispatch(checked.value, this.#target);
		if (!(answer instanceof Promise)) {
			this.#inFlight--;
			if (answer) {
				this.#respond(answer);
			}

			this.#maybeEnd();
			return;
		}

		void answer.then(response => {
			this.#inFlight--;
			if (response) {
				this.#respond(response);
			}

			this.#updateReading();
			this.#maybeEnd();
		});
	}

	/**
	 * A batch is answered as JSON-RPC 2.0 says: one array with a response per request (in the
	 * batch's order, notifications left out), nothing when it held only notifications.
	 */
	#batch(values: unknown[]): void {
		if (values.length === 0 || values.length > this.#limits.maxBatch) {
			const message = values.length === 0 ? 'empty batch' : `batch of ${values.length} messages (at most ${this.#limits.maxBatch})`;
			this.#respond(errorResponse(null, {code: rpcErrorCodes.invalidRequest, message: `invalid request: ${message}`}));
			return;
		}

		this.#inFlight++;
		const answers = values.map(value => {
			const checked = validateRequest(value);
			return checked.ok ? this.#dispatch(checked.value, this.#target) : checked.error;
		});
		void Promise.all(answers).then(responses => {
			this.#inFlight--;
			const lines = responses.filter((r): r is Response => r !== null).map(r => responseJson(r));
			if (lines.length > 0) {
				this.#write(`[${lines.join(',')}]\n`, 'response');
			}

			this.#updateReading();
			this.#maybeEnd();
		});
	}

	#respond(response: Response): void {
		this.#write(`${responseJson(response)}\n`, 'response');
	}

	#notify(method: string, params: unknown, items = 1): boolean {
		if (this.#closed || this.#ended) {
			return false;
		}

		let line: string;
		try {
			line = encodeNotification(method, params);
		} catch {
			return false;
		}

		return this.#write(line, 'notification', items);
	}

	/** Writes or queues one line; false when it was dropped or the connection is done. */
	#write(line: string, kind: 'response' | 'notification', items = 1): boolean {
		if (this.#closed || this.#ended) {
			return false;
		}

		return this.#outbox.write(line, kind, items);
	}

	#updateReading(): void {
		if (this.#closed) {
			return;
		}

		// Not paused for `#inputDone`: input is then read and thrown away, so the client's end of
		// the stream is seen and the socket can close as soon as both sides are done.
		const pause = this.#outbox.blocked || this.#inFlight >= this.#limits.maxInFlight;
		if (pause && !this.#paused) {
			this.#paused = true;
			this.#socket.pause();
		} else if (!pause && this.#paused) {
			this.#paused = false;
			this.#socket.resume();
		}
	}

	/** Ends the socket once closing and nothing is in flight or queued. */
	#maybeEnd(): void {
		if (!this.#closing || this.#ended || this.#closed || this.#inFlight > 0 || this.#outbox.blocked || this.#outbox.queued > 0) {
			return;
		}

		this.#ended = true;
		this.#socket.end();
		// A client that does not read what is left cannot keep the socket open.
		this.#armGrace();
	}

	#armGrace(): void {
		if (this.#graceTimer === null && !this.#closed) {
			const at = this.#clock.now() + this.#limits.closeGraceMs;
			this.#graceTimer = this.#clock.at(at, () => this.destroy());
		}
	}

	#onClose(): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		this.#graceTimer?.cancel();
		this.#graceTimer = null;
		this.#outbox.clear();
		this.#decoder.reset();
		const listeners = this.#closeListeners;
		this.#closeListeners = [];
		for (const listener of listeners) {
			try {
				listener();
			} catch {
				// A failing cleanup must not stop the others.
			}
		}

		this.#onClosed(this);
	}
}
