/**
 * How a command reaches the daemon: the socket from --socket, TM_SOCKET or the home folder.
 */
import {RpcClient} from '../core/ipc/client.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import type {Deps, GlobalOptions} from './deps.js';

export async function connect(options: GlobalOptions, deps: Deps, timeoutMs?: number): Promise<RpcClient> {
	const home = resolveHome(options.home, deps.env);
	return RpcClient.connect(resolveSocket(options.socket, home, deps.env), {client: 'tm-cli', timeoutMs});
}
