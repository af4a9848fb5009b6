/**
 * Starting the daemon in the background: re-run this same tm as `up --foreground`, detached in
 * its own session with its output in `$TM_HOME/tmd.out`, and wait until it answers on the
 * socket — or report what it said if it exits first.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, openSync, closeSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {SocketClient} from '../core/client/socket-client.js';
import {TmError} from '../core/errors.js';
import {isTmErrorCode} from '../core/ipc/protocol.js';
import type {Deps} from './deps.js';

export type Started = {pid: number; socket: string; output: string};

/** The longest `tm up` waits for a daemon that keeps writing its start-up. */
const longestStartMs = 5 * 60_000;

/** What the daemon has done so far: the size of its output and its CPU time (from /proc), as one text. */
function progressOf(pid: number, output: string): string {
	let size = -1;
	let ticks = '';
	try {
		size = statSync(output).size;
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).join('+');
	} catch {
		// Gone, or no /proc: the exit is noticed, or the plain deadline applies.
	}

	return `${size} ${ticks}`;
}

export async function startInBackground(
	deps: Deps,
	home: string,
	socket: string,
	upArgs: string[],
	timeoutMs = 15_000,
): Promise<Started> {
	mkdirSync(home, {recursive: true, mode: 0o700});
	const output = path.join(home, 'tmd.out');
	const fd = openSync(output, 'a', 0o600);
	const child = spawn(deps.self.command, [...deps.self.args, 'up', '--foreground', '--output', output, ...upArgs], {
		cwd: deps.cwd,
		env: {...deps.env, TM_HOME: home},
		detached: true,
		stdio: ['ignore', fd, fd],
	});
	closeSync(fd);
	let exited: number | null | undefined;
	child.on('exit', code => {
		exited = code;
	});
	child.unref();
	const pid = child.pid ?? 0;
	// A daemon still writing its start-up (a line per task queued and started) or using CPU (adding
	// 10,000 tasks) is busy, not stuck: progress moves the deadline, up to `longestStartMs` (issue 22).
	const began = Date.now();
	let deadline = began + timeoutMs;
	let progress = progressOf(pid, output);
	for (;;) {
		try {
			const client = await SocketClient.connect(socket, {client: 'tm-up', timeoutMs: 1000});
			const daemonPid = client.server.pid;
			void client.close();
			if (daemonPid === pid) {
				return {pid, socket, output};
			}
		} catch (error) {
			if (!(error instanceof TmError) || error.code !== 'E_DAEMON_NOT_RUNNING') {
				throw error;
			}
		}

		if (exited !== undefined) {
			throw whyItExited(output, exited);
		}

		const now = progressOf(pid, output);
		if (now !== progress) {
			progress = now;
			deadline = Math.min(Date.now() + timeoutMs, began + longestStartMs);
		}

		if (Date.now() > deadline) {
			const waited = Math.round((Date.now() - began) / 1000);
			throw new TmError('E_INTERNAL', `the daemon (pid ${pid}) did not answer on ${socket} within ${waited}s (for ${timeoutMs / 1000}s it wrote nothing to ${output} and used no CPU); see its output`);
		}

		await delay(25);
	}
}

/**
 * The error a daemon that exited before answering reported, with its code: its last line in
 * `tmd.out` is `{"error": {"code", "message"}}` (up.ts); else its last lines, as E_INTERNAL.
 */
function whyItExited(output: string, exited: number | null): TmError {
	const lines = readFileSync(output, 'utf8').trim().split('\n');
	try {
		const {error} = JSON.parse(lines.at(-1) ?? '') as {error?: {code?: unknown; message?: unknown}};
		if (isTmErrorCode(error?.code) && typeof error.message === 'string') {
			return new TmError(error.code, error.message);
		}
	} catch {
		// Not the daemon's own report (a crash, a signal): its last lines say what happened.
	}

	return new TmError('E_INTERNAL', `the daemon exited with code ${exited} before answering:\n${lines.slice(-5).join('\n')}`);
}
