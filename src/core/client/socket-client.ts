/**
 * The client seam over the daemon's Unix socket: one connection for requests and the feed; a
 * log follow gets a connection of its own (the daemon ends a follow when its connection closes).
 */
import type {TmError} from '../errors.js';
import {RpcClient, type RpcClientOptions} from '../ipc/client.js';
import type {Methods} from '../ipc/methods.js';
import {openFeed} from './feed.js';
import {startFollow} from './follow.js';
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from './seam.js';

export class SocketClient implements TmClient {
	readonly #rpc: RpcClient;
	readonly #options: RpcClientOptions;

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
		try {
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

	close(): Promise<void> {
		return this.#rpc.close();
	}
}
