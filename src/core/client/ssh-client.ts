/**
 * The client seam over ssh: one ssh session per client (per command), carrying a connection to
 * the remote daemon for requests and the feed, and one more per log follow (the daemon ends a
 * follow when its connection closes), as channels of `tm dial-stdio --mux`. Everything above
 * the seam (every command, `tm top`) runs as it does over the local socket.
 */
import {TmError} from '../errors.js';
import {RpcClient} from '../ipc/client.js';
import {RpcSeam} from './rpc-seam.js';
import {remotePaths} from './ssh-command.js';
import {remoteError} from './ssh-errors.js';
import {SshMux} from './ssh-mux.js';
import {spawnSsh} from './ssh-process.js';
import type {SshTarget} from './ssh-url.js';

export type SshClientOptions = {
	env: Record<string, string | undefined>;
	/** The name sent in `hello`. */
	client?: string;
	/** How long ssh and the greeting may take (default 30 s: a handshake over a slow link), and then `hello`. */
	timeoutMs?: number;
};

/** A failure of `hello` over ssh is one of reaching the remote daemon: exit 3, with the fix. */
function reaching(target: SshTarget, socket: string, error: unknown): TmError {
	if (!(error instanceof TmError)) {
		return remoteError(target, 'ssh', `cannot reach the tm daemon on ${target.url}: ${String(error)}`, error);
	}

	if (error.code === 'E_PROTOCOL') {
		return remoteError(target, 'protocol', `${error.message} (on ${target.url}): install the same tm release on both machines`, error);
	}

	if (error.code === 'E_DAEMON_NOT_RUNNING' && error.details === undefined) {
		return remoteError(
			target,
			'no-daemon',
			`no tm daemon answers on ${target.url} (socket ${socket}): start it there (\`tm up\` on that machine), or point at its home with ?home=DIR or ?socket=PATH`,
			error,
		);
	}

	return error;
}

export class SshClient extends RpcSeam {
	readonly #target: SshTarget;
	readonly #mux: SshMux;
	readonly #options: SshClientOptions;

	private constructor(target: SshTarget, mux: SshMux, rpc: RpcClient, options: SshClientOptions) {
		super(rpc);
		this.#target = target;
		this.#mux = mux;
		this.#options = options;
		// ssh gone means every connection is: the requests' one says why.
		rpc.onClose(() => void mux.close());
	}

	/** Starts ssh, reads the greeting, says `hello` on the first channel. */
	static async connect(target: SshTarget, options: SshClientOptions): Promise<SshClient> {
		const timeoutMs = Math.max(options.timeoutMs ?? 0, 30_000);
		const ssh = spawnSsh(target, [target.tm, 'dial-stdio', '--mux', ...remotePaths(target)], {env: options.env, timeoutMs});
		// `hello` goes with the command: it is answered as soon as the remote tm is up.
		const mux = new SshMux(target, ssh);
		try {
			const rpc = await RpcClient.over(mux.open(), target.url, {client: options.client ?? 'tm-ssh', timeoutMs});
			return new SshClient(target, mux, rpc, options);
		} catch (error) {
			await mux.close();
			throw reaching(target, mux.socket, error);
		}
	}

	get target(): string {
		return this.#target.url;
	}

	protected openFollow(): Promise<RpcClient> {
		return RpcClient.over(this.#mux.open(), this.#target.url, {client: this.#options.client ?? 'tm-ssh'});
	}

	async close(): Promise<void> {
		await this.rpc.close();
		await this.#mux.close();
	}
}
