/**
 * The part of the client seam every transport that carries tm's RPC shares (the Unix socket,
 * ssh): requests and the feed on one connection, and a log follow on a connection of its own,
 * which the transport opens (the daemon ends a follow when its connection closes).
 */
import type {TmError} from '../errors.js';
import type {RpcClient} from '../ipc/client.js';
import type {Methods} from '../ipc/methods.js';
import {openFeed} from './feed.js';
import {startFollow} from './follow.js';
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from './seam.js';

export abstract class RpcSeam implements TmClient {
	protected readonly rpc: RpcClient;

	protected constructor(rpc: RpcClient) {
		this.rpc = rpc;
	}

	abstract get target(): string;

	abstract close(): Promise<void>;

	/** A new connection for one log follow. */
	protected abstract openFollow(): Promise<RpcClient>;

	get server(): Methods['hello']['result'] {
		return this.rpc.server;
	}

	get closed(): boolean {
		return this.rpc.closed;
	}

	call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']> {
		return this.rpc.call(method, params, options);
	}

	subscribe(sink: FeedSink): Promise<Subscription> {
		return openFeed(this.rpc, sink);
	}

	async followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		const rpc = await this.openFollow();
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
		return this.rpc.onClose(listener);
	}
}
