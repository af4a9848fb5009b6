/**
 * The client seam over the daemon's Unix socket: one connection for requests and the feed; a
 * log follow gets a connection of its own (the daemon ends a follow when its connection closes).
 * Closing the client ends its follows too, so nothing it opened outlives it.
 */
import {TmError} from '../errors.js';
import {RpcClient, type RpcClientOptions} from '../ipc/client.js';
import {RpcSeam} from './rpc-seam.js';

export class SocketClient extends RpcSeam {
	readonly #options: RpcClientOptions;
	/** Follow connections still open. */
	readonly #follows = new Set<RpcClient>();

	private constructor(rpc: RpcClient, options: RpcClientOptions) {
		super(rpc);
		this.#options = options;
	}

	/** Connects and says `hello`; throws E_DAEMON_NOT_RUNNING when nobody answers. */
	static async connect(socketPath: string, options: RpcClientOptions = {}): Promise<SocketClient> {
		return new SocketClient(await RpcClient.connect(socketPath, options), options);
	}

	get target(): string {
		return this.rpc.socketPath;
	}

	protected async openFollow(): Promise<RpcClient> {
		const rpc = await RpcClient.connect(this.rpc.socketPath, this.#options);
		this.#follows.add(rpc);
		rpc.onClose(() => this.#follows.delete(rpc));
		if (this.closed) {
			await rpc.close();
			throw new TmError('E_DAEMON_NOT_RUNNING', 'the client was closed while its log follow was starting');
		}

		return rpc;
	}

	async close(): Promise<void> {
		await Promise.all([...[...this.#follows].map(async rpc => rpc.close()), this.rpc.close()]);
	}
}
