/**
 * How a command reaches the daemon: through the client seam (core/client/seam.ts), over the
 * socket from --socket, TM_SOCKET or the home folder, or over ssh to the one host of --host or
 * TM_HOST (commands/hosts.ts). Every command that connects here works against a remote daemon.
 */
import type {TmClient} from '../core/client/seam.js';
import type {SshTarget} from '../core/client/ssh-url.js';
import {TmError} from '../core/errors.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import type {Deps, GlobalOptions} from './deps.js';
import {resolveHosts} from './host-targets.js';
import {reportError} from './output.js';

/** A client to the daemon on `target`, over ssh (loaded only then). */
export async function connectHost(target: SshTarget, deps: Deps, client: string, timeoutMs?: number): Promise<TmClient> {
	const {SshClient} = await import('../core/client/ssh-client.js');
	const connected = await SshClient.connect(target, {env: deps.env, client, timeoutMs});
	deps.onClient?.(connected);
	return connected;
}

export async function connect(options: GlobalOptions, deps: Deps, timeoutMs?: number): Promise<TmClient> {
	const hosts = resolveHosts(options, deps.env);
	if (hosts !== null) {
		if (hosts.many) {
			throw new TmError('E_USAGE', 'several hosts are for tm status and tm top; give this command one --host');
		}

		return connectHost(hosts.targets[0]!, deps, 'tm-cli', timeoutMs);
	}

	const home = resolveHome(options.home, deps.env);
	const {SocketClient} = await import('../core/client/socket-client.js');
	const client = await SocketClient.connect(resolveSocket(options.socket, home, deps.env), {client: 'tm-cli', timeoutMs});
	deps.onClient?.(client);
	return client;
}

/**
 * Runs `work` with a connected client, closes it, and turns any failure (no daemon, unknown task…)
 * into its report and exit code. `details` go into the JSON error document.
 */
export async function withClient(
	options: GlobalOptions,
	deps: Deps,
	work: (client: TmClient) => Promise<number>,
	details?: Record<string, unknown>,
): Promise<number> {
	try {
		const client = await connect(options, deps);
		try {
			return await work(client);
		} finally {
			void client.close();
		}
	} catch (error) {
		return reportError(deps.io, options.json, error, details);
	}
}
