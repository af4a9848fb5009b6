/**
 * The client seam over the daemon's Unix socket: one connection for requests and the feed; a
 * log follow gets a connection of its own (the daemon ends a follow when its connection closes).
 * Closing the client ends its follows too, so nothing it opened outlives it.
 */
import {TmError} from '../errors.js';
import {RpcClient, type RpcClientOptions} from '../ipc/client.js';
import type {Methods} from '../ipc/methods.js';
import {openFeed} from './feed.js';
import {startFollow} from './follow.js';
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from './seam.js';

export class SocketClient implements TmClient {
	readonly #rpc: RpcClient;
	readonly #options: RpcClientOptions;
	/** Follow connections still open. */
	readonly #follows = new Set<RpcClient>();

	private constructor(rpc: RpcClient, options: RpcClientOptions) {
		this.#rpc = rpc;
		this.#options = options;
	}

	/** Connects and says `hello`; throws E_DAEMON_NOT_RUNNING when nobody answers. */
	static async connect(socketPath: string, options: RpcClientOptions = {}): Promise<SocketClient> {
		return new SocketClient(await RpcClient.connect(socketPath, options), options);
	}

	get target(): string {
		return this.#rpc.socketPath;
	}

	get server(): Methods['hello']['result'] {
		return this.#rpc.server;
	}

	get closed(): boolean {
		return this.#rpc.closed;
	}

	call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']> {
		return this.#rpc.call(method, params, options);
	}

	subscribe(sink: FeedSink): Promise<Subscription> {
		return openFeed(this.#rpc, sink);
	}

	async followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		const rpc = await RpcClient.connect(this.#rpc.socketPath, this.#options);
		this.#follows.add(rpc);
		rpc.onClose(() => this.#follows.delete(rpc));
		try {
			if (this.closed) {
				throw new TmError('E_DAEMON_NOT_RUNNING', 'the client was closed while its log follow was starting');
			}

			await startFollow({logs: p => rpc.call('logs', p), on: rpc.on.bind(rpc)}, params, sink);
		} catch (error) {
			await rpc.close();
			throw error;
		}

		const ended = new Promise<void>(resolve => rpc.onClose(() => resolve()));
		return {close: () => rpc.close(), ended};
	}

	onClose(listener: (error: TmError | null) => void): () => void {
		return this.#rpc.onClose(listener);
	}

	async close(): Promise<void> {
		await Promise.all([...[...this.#follows].map(async rpc => rpc.close()), this.#rpc.close()]);
	}
}
