/**
 * `tm history`, `tm events`, `tm db` and `tm up` with --host: they read that machine's files
 * (tm.db, its config), not only its daemon, so the whole command line runs there, through ssh
 * and `tm dial-stdio --exec`, and its output, errors and exit code come back as they are. This
 * keeps them working with the remote daemon down, as they do here, and needs no daemon method
 * for what the store already answers.
 */
import {StringDecoder} from 'node:string_decoder';
import {remotePaths} from '../core/client/ssh-command.js';
import {remoteError} from '../core/client/ssh-errors.js';
import {startSsh, type Greeted} from '../core/client/ssh-process.js';
import {TmError} from '../core/errors.js';
import type {Deps} from './deps.js';
import {hostWords, resolveHosts} from './host-targets.js';
import {reportError} from './output.js';

/** The command line without its `--host` options, and their values. */
function splitHosts(argv: readonly string[]): {rest: string[]; hosts: string[]} {
	const rest: string[] = [];
	const hosts: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') {
			rest.push(...argv.slice(i));
			break;
		}

		if (arg === '--host' && i + 1 < argv.length) {
			hosts.push(argv[++i]!);
		} else if (arg.startsWith('--host=')) {
			hosts.push(arg.slice('--host='.length));
		} else {
			rest.push(arg);
		}
	}

	return {rest, hosts};
}

/** Relays the remote command's output until ssh ends; its exit status, or 3 when the link broke. */
async function relay(greeted: Greeted, deps: Deps): Promise<number | 'lost'> {
	const out = new StringDecoder('utf8');
	const err = new StringDecoder('utf8');
	deps.io.out(out.write(greeted.rest));
	greeted.child.stdout.on('data', (chunk: Buffer) => deps.io.out(out.write(chunk)));
	greeted.child.stderr.on('data', (chunk: Buffer) => deps.io.err(err.write(chunk)));
	// Ctrl-C here ends the command there: the end of its stdin is its SIGTERM.
	const off = deps.onSignal(['SIGINT', 'SIGTERM', 'SIGHUP'], () => greeted.child.stdin.end());
	try {
		const {code} = await greeted.exited;
		// tm never exits 255; ssh does when the connection breaks.
		return code === null || code === 255 ? 'lost' : code;
	} finally {
		off();
	}
}

/** Runs `argv` on the host of --host/TM_HOST; null when none is given (run it here). */
export async function execRemotely(argv: readonly string[], deps: Deps): Promise<number | null> {
	const {rest, hosts} = splitHosts(argv);
	if (hostWords(hosts, deps.env).length === 0) {
		return null;
	}

	const json = rest.includes('--json');
	try {
		const resolved = resolveHosts({host: hosts}, deps.env)!;
		if (resolved.many) {
			throw new TmError('E_USAGE', 'several hosts are for tm status and tm top; give this command one --host');
		}

		const target = resolved.targets[0]!;
		const own = rest.some(arg => /^--(home|socket)(=|$)/.test(arg));
		const remote = [target.tm, 'dial-stdio', '--exec', '--', ...(own ? [] : remotePaths(target)), ...rest];
		const greeted = await startSsh(target, remote, {env: deps.env, timeoutMs: 30_000});
		const code = await relay(greeted, deps);
		if (code === 'lost') {
			throw remoteError(target, 'unreachable', `the ssh connection to ${target.url} ended before the command did`);
		}

		return code;
	} catch (error) {
		return reportError(deps.io, json, error);
	}
}
