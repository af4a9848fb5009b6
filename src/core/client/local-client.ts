/**
 * The client seam inside the daemon: the same handler table the socket serves, called in
 * process, so the web view asks exactly what a socket client asks and gets the same answers
 * and errors (through the same dispatch), without a socket.
 */
import {TmError} from '../errors.js';
import {createDispatch, type ConnectionContext, type Dispatch, type Handlers} from '../ipc/dispatch.js';
import type {Methods, NotificationName, Notifications} from '../ipc/methods.js';
import {tmErrorOf, type Response} from '../ipc/protocol.js';
import {openFeed} from './feed.js';
import {startFollow} from './follow.js';
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from './seam.js';

type Listener = (params: never) => void;

/** One in-process connection: a context for the handlers and the listeners of its notifications. */
class LocalConnection {
	readonly #listeners = new Map<string, Set<Listener>>();
	readonly #closeListeners: Array<() => void> = [];
	#closed = false;
	readonly context: ConnectionContext;

	constructor(id: number, client: string) {
		const isClosed = (): boolean => this.#closed;
		this.context = {
			id,
			client,
			get closed() {
				return isClosed();
			},
			notify: (method, params) => this.#emit(method, params),
			onClose: listener => {
				if (this.#closed) {
					listener();
				} else {
					this.#closeListeners.push(listener);
				}
			},
			close: () => this.close(),
		};
	}

	get closed(): boolean {
		return this.#closed;
	}

	on<N extends NotificationName>(name: N, listener: (params: Notifications[N]) => void): () => void {
		const set = this.#listeners.get(name) ?? new Set<Listener>();
		this.#listeners.set(name, set);
		set.add(listener as Listener);
		return () => set.delete(listener as Listener);
	}

	close(): void {
		if (!this.#closed) {
			this.#closed = true;
			this.#listeners.clear();
			for (const listener of this.#closeListeners.splice(0)) {
				listener();
			}
		}
	}

	#emit(method: string, params: unknown): boolean {
		if (this.#closed) {
			return false;
		}

		for (const listener of [...(this.#listeners.get(method) ?? [])]) {
			listener(params as never);
		}

		return true;
	}
}

export type LocalClientOptions = {handlers: Handlers; version: string; pid: number; client?: string};

let nextId = -1;

export class LocalClient implements TmClient {
	readonly #dispatch: Dispatch;
	readonly #options: LocalClientOptions;
	readonly #main: LocalConnection;
	readonly #others = new Set<LocalConnection>();
	readonly #closeListeners = new Set<(error: TmError | null) => void>();

	constructor(options: LocalClientOptions) {
		this.#options = options;
		this.#dispatch = createDispatch({handlers: options.handlers, version: options.version, pid: options.pid});
		this.#main = this.#connection();
	}

	get target(): string {
		return 'in-process';
	}

	get server(): Methods['hello']['result'] {
		return {protocol: 1, version: this.#options.version, pid: this.#options.pid};
	}

	get closed(): boolean {
		return this.#main.closed;
	}

	call<M extends CallMethod>(method: M, params: Methods[M]['params']): Promise<Methods[M]['result']> {
		return this.#request(this.#main, method, params) as Promise<Methods[M]['result']>;
	}

	subscribe(sink: FeedSink): Promise<Subscription> {
		const connection = this.#connection();
		const transport = {
			call: (method: 'subscribe', params: Record<string, never>) => this.#request(connection, method, params) as Promise<Methods['subscribe']['result']>,
			on: connection.on.bind(connection),
			onClose: (listener: () => void) => {
				connection.context.onClose(listener);
				return () => {};
			},
		};
		return openFeed(transport, sink).then(
			feed => ({
				close: async () => {
					await feed.close();
					this.#drop(connection);
				},
				ended: feed.ended,
			}),
			(error: unknown) => {
				this.#drop(connection);
				throw error;
			},
		);
	}

	async followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		const connection = this.#connection();
		const logs = async (p: Methods['logs']['params']): Promise<Methods['logs']['result']> => (await this.#request(connection, 'logs', p)) as Methods['logs']['result'];
		try {
			await startFollow({logs, on: connection.on.bind(connection)}, params, sink);
		} catch (error) {
			this.#drop(connection);
			throw error;
		}

		return {
			close: () => {
				this.#drop(connection);
				return Promise.resolve();
			},
			ended: new Promise<void>(resolve => connection.context.onClose(resolve)),
		};
	}

	onClose(listener: (error: TmError | null) => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	close(): Promise<void> {
		for (const connection of [this.#main, ...this.#others]) {
			connection.close();
		}

		this.#others.clear();
		for (const listener of [...this.#closeListeners]) {
			listener(null);
		}

		this.#closeListeners.clear();
		return Promise.resolve();
	}

	#connection(): LocalConnection {
		const connection = new LocalConnection(nextId--, this.#options.client ?? 'in-process');
		this.#others.add(connection);
		return connection;
	}

	#drop(connection: LocalConnection): void {
		connection.close();
		this.#others.delete(connection);
	}

	async #request(connection: LocalConnection, method: string, params: unknown): Promise<unknown> {
		if (connection.closed) {
			throw new TmError('E_DAEMON_NOT_RUNNING', `the connection to the tm daemon is closed (calling ${method})`);
		}

		const response: Response | null = await this.#dispatch({jsonrpc: '2.0', id: 1, method, params}, {context: connection.context, setClient: () => {}});
		if (response === null) {
			throw new TmError('E_INTERNAL', `${method} gave no answer`);
		}

		if ('error' in response) {
			throw tmErrorOf(response.error);
		}

		return response.result;
	}
}
