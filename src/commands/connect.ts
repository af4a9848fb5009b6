/**
 * How a command reaches the daemon: through the client seam (core/client/seam.ts), today over
 * the socket from --socket, TM_SOCKET or the home folder.
 */
import type {TmClient} from '../core/client/seam.js';
import {SocketClient} from '../core/client/socket-client.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import type {Deps, GlobalOptions} from './deps.js';
import {reportError} from './output.js';

export async function connect(options: GlobalOptions, deps: Deps, timeoutMs?: number): Promise<TmClient> {
	const home = resolveHome(options.home, deps.env);
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
