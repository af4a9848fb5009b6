/**
 * One `ssh` child running the remote `tm dial-stdio`: started, greeted (the remote tm says what
 * it is before anything else), and ended. Everything ssh says on stderr before the greeting is
 * kept (its last 4 KiB) to tell why it failed; a failure is a TmError naming the fix.
 *
 * ssh runs in a process group of its own: Ctrl-C in the terminal goes to tm, which ends the
 * command and then ssh, rather than cutting the connection under it. When tm dies, ssh reads
 * the end of its stdin and ends too, and so does the remote side.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {systemClock, type Clock} from '../clock.js';
import type {TmError} from '../errors.js';
import {protocolVersion} from '../ipc/protocol.js';
import {version} from '../version.js';
import {muxVersion, type Greeting} from './mux-frames.js';
import {sshCommand} from './ssh-command.js';
import {noSsh, remoteError, sshFailure} from './ssh-errors.js';
import type {SshTarget} from './ssh-url.js';

export type SshProcessOptions = {env: Record<string, string | undefined>; timeoutMs: number; clock?: Clock};

/** ssh started: what it writes before the remote tm's greeting is the greeting's business. */
export type Started = {
	child: ChildProcessWithoutNullStreams;
	/** The greeting, and what came on stdout after it in the same read; rejects with why ssh failed. */
	greeted: Promise<{greeting: Greeting; rest: Buffer}>;
	/** ssh's exit: its status (null when killed) and the stderr it kept. */
	exited: Promise<{code: number | null; stderr: string}>;
};

export type Greeted = Omit<Started, 'greeted'> & {greeting: Greeting; rest: Buffer};

const keepStderr = 4096;

function isGreeting(value: unknown): value is Greeting {
	return typeof value === 'object' && value !== null && typeof (value as Greeting).dialStdio === 'number';
}

/** The remote tm must speak this tm's framing and protocol; else both versions are named. */
function checkGreeting(target: SshTarget, greeting: Greeting): void {
	if (greeting.dialStdio !== muxVersion || greeting.protocol !== protocolVersion) {
		throw remoteError(
			target,
			'protocol',
			`the tm on ${target.url} (${String(greeting.version)}) speaks protocol ${greeting.protocol}, framing ${greeting.dialStdio}; this tm (${version}) speaks protocol ${protocolVersion}, framing ${muxVersion}: install the same tm release on both machines`,
		);
	}
}

/** Starts `ssh … tm <remote>` and waits for the greeting. */
export async function startSsh(target: SshTarget, remote: readonly string[], options: SshProcessOptions): Promise<Greeted> {
	const {child, greeted, exited} = spawnSsh(target, remote, options);
	return {child, exited, ...(await greeted)};
}

/**
 * Starts `ssh … tm <remote>`. What is written to its stdin at once goes with the command
 * (ssh holds it until the session is open, the remote tm reads it after its greeting): a
 * client's `hello` needs no round trip of its own.
 */
export function spawnSsh(target: SshTarget, remote: readonly string[], options: SshProcessOptions): Started {
	const {command, args} = sshCommand(target, remote, options.env);
	const clock = options.clock ?? systemClock;
	const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: options.env as NodeJS.ProcessEnv});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr = (stderr + chunk.toString('utf8')).slice(-keepStderr);
	});
	child.stdin.on('error', () => {});
	const exited = new Promise<{code: number | null; stderr: string}>(resolve => {
		// `exit`, not `close`: a ControlPersist master ssh starts keeps our stderr pipe open.
		child.once('exit', code => resolve({code, stderr}));
		child.once('error', () => resolve({code: null, stderr}));
	});
	const greeted = new Promise<{greeting: Greeting; rest: Buffer}>((resolve, reject) => {
		let pending = Buffer.alloc(0);
		let settled = false;
		const fail = (error: TmError): void => {
			if (settled) {
				return;
			}

			settled = true;
			timer.cancel();
			child.stdout.off('data', onData);
			if (child.exitCode === null) {
				child.kill('SIGTERM');
			}

			reject(error);
		};

		const timer = clock.at(clock.now() + options.timeoutMs, () =>
			fail(remoteError(target, 'unreachable', `cannot reach ${target.url}: no answer within ${Math.round(options.timeoutMs / 1000)} s (${stderr.trim() || 'ssh said nothing'})`)),
		);
		const onData = (chunk: Buffer): void => {
			pending = Buffer.concat([pending, chunk]);
			// Lines before the greeting (a login banner a profile prints) are skipped.
			for (let nl = pending.indexOf(0x0a); nl !== -1; nl = pending.indexOf(0x0a)) {
				const line = pending.subarray(0, nl).toString('utf8');
				pending = pending.subarray(nl + 1);
				let value: unknown;
				try {
					value = JSON.parse(line);
				} catch {
					continue;
				}

				if (isGreeting(value)) {
					try {
						checkGreeting(target, value);
					} catch (error) {
						fail(error as TmError);
						return;
					}

					settled = true;
					timer.cancel();
					child.stdout.off('data', onData);
					resolve({greeting: value, rest: pending});
					return;
				}
			}
		};

		child.stdout.on('data', onData);
		child.once('error', error => fail(noSsh(target, command, error)));
		void exited.then(({code}) => fail(sshFailure(target, code, stderr)));
	});
	return {child, greeted, exited};
}

/** Ends ssh: its stdin first (the remote side ends with it), SIGTERM after `graceMs`. */
export async function stopSsh(greeted: Pick<Started, 'child' | 'exited'>, graceMs = 3000, clock: Clock = systemClock): Promise<void> {
	const {child} = greeted;
	child.stdin.end();
	// ssh says goodbye on its own (the remote side ends with its stdin): a command that is done
	// does not wait a round trip for it. Whoever awaits this still learns when ssh has gone.
	child.unref();
	for (const stream of [child.stdout, child.stderr] as unknown as Array<{unref?: () => void}>) {
		stream.unref?.();
	}

	const timer = clock.at(clock.now() + graceMs, () => child.kill('SIGTERM'));
	await greeted.exited;
	timer.cancel();
	child.stdout.destroy();
	child.stderr.destroy();
}
