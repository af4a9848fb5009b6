/**
 * `tm dial-stdio` (hidden): the remote half of `--host ssh://…`, run by ssh on the other
 * machine. Plain, it connects the daemon's socket to stdin/stdout; `--mux` carries several
 * connections (tm's own client); `--exec -- ARGV` runs one tm command line here, for the
 * commands that read this machine's files rather than ask the daemon (`tm history`, `tm
 * events`). Each ends when stdin does (ssh went away): an `--exec` command is sent SIGTERM,
 * as Ctrl-C would end it, so nothing is left running on this machine.
 */
import type {Command} from 'commander';
import {dialMux, dialPlain, type DialStreams} from '../core/client/dial-stdio.js';
import type {Greeting} from '../core/client/mux-frames.js';
import {muxVersion} from '../core/client/mux-frames.js';
import {protocolVersion} from '../core/ipc/protocol.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import {version} from '../core/version.js';
import type {Deps, GlobalOptions} from './deps.js';
import {reportError} from './output.js';
import {main} from './program.js';

export type DialOptions = GlobalOptions & {mux?: boolean; exec?: boolean};

/** `--exec`: the greeting, then the command line as `tm ARGV` would run it here. */
async function execHere(argv: string[], socket: string, deps: Deps, {stdin, stdout}: DialStreams): Promise<number> {
	const greeting: Greeting = {dialStdio: muxVersion, version, protocol: protocolVersion, socket};
	stdout.write(`${JSON.stringify(greeting)}\n`);
	const gone = (): void => {
		process.kill(process.pid, 'SIGTERM');
	};

	stdin.on('end', gone);
	stdin.on('error', gone);
	stdin.resume();
	try {
		return await main(argv, deps);
	} finally {
		stdin.off('end', gone);
		stdin.pause();
	}
}

export async function runDialStdio(args: string[], options: DialOptions, deps: Deps, streams: DialStreams = process): Promise<number> {
	const socket = resolveSocket(options.socket, resolveHome(options.home, deps.env), deps.env);
	try {
		if (options.exec) {
			return await execHere(args, socket, deps, streams);
		}

		await (options.mux ? dialMux(socket, version, streams) : dialPlain(socket, streams));
		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function registerDialStdio(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('dial-stdio', {hidden: true})
		.description("connect this machine's daemon to stdin/stdout (run by ssh for --host)")
		.argument('[argv...]', 'with --exec: the tm command line to run')
		.option('--mux', "several connections, framed (tm's own client)")
		.option('--exec', 'run the command line after -- here, until stdin ends')
		.action(async (argv: string[], options: DialOptions, command: Command) => {
			done(await runDialStdio(argv, {...command.optsWithGlobals(), ...options}, deps));
		});
}
