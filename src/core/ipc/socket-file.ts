/**
 * The socket's place in the file system (SPEC §8): its folder (0700 when tm creates it), a
 * live daemon already answering there, a stale file left by one that died.
 */
import {lstat, mkdir, chmod, unlink} from 'node:fs/promises';
import {connect} from 'node:net';
import path from 'node:path';
import type {Clock} from '../clock.js';
import {messageOf, TmError} from '../errors.js';

/** The longest Unix socket path Linux takes: sun_path is 108 bytes with the final NUL. */
export const maxSocketPathBytes = 107;

/** Throws E_USAGE when `socketPath` cannot be a Unix socket's path (too long). */
export function checkSocketPath(socketPath: string): void {
	const bytes = Buffer.byteLength(socketPath);
	if (bytes > maxSocketPathBytes) {
		throw new TmError(
			'E_USAGE',
			`socket path too long (${bytes} bytes, at most ${maxSocketPathBytes}): ${socketPath}; use --socket or TM_SOCKET with a shorter path`,
		);
	}
}

function errnoOf(error: unknown): string | undefined {
	return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

/**
 * Whether something answers on `socketPath`: `live` (a connection was accepted, or the
 * listener's backlog is full, or it did not answer within `timeoutMs`), `stale` (a socket file
 * nobody listens on), `absent` (no file). Throws E_USAGE when the path is not a socket.
 */
export async function probeSocket(socketPath: string, clock: Clock, timeoutMs = 1000): Promise<'live' | 'stale' | 'absent'> {
	try {
		const stats = await lstat(socketPath);
		if (!stats.isSocket()) {
			throw new TmError('E_USAGE', `${socketPath} exists and is not a socket; refusing to replace it`);
		}
	} catch (error) {
		if (errnoOf(error) === 'ENOENT') {
			return 'absent';
		}

		throw error;
	}

	return new Promise((resolve, reject) => {
		const socket = connect(socketPath);
		const settle = (outcome: 'live' | 'stale' | 'absent' | Error): void => {
			timer.cancel();
			socket.destroy();
			if (outcome instanceof Error) {
				reject(outcome);
			} else {
				resolve(outcome);
			}
		};

		const timer = clock.at(clock.now() + timeoutMs, () => settle('live'));
		socket.once('connect', () => settle('live'));
		socket.once('error', error => {
			switch (errnoOf(error)) {
				case 'ECONNREFUSED': {
					settle('stale');
					break;
				}

				case 'ENOENT': {
					settle('absent');
					break;
				}

				case 'EAGAIN': {
					settle('live');
					break;
				}

				default: {
					settle(new TmError('E_INTERNAL', `cannot check the socket ${socketPath}: ${messageOf(error)}`, {cause: error}));
				}
			}
		});
	});
}

/**
 * Makes `socketPath` ready for `listen`: creates its folder (mode 0700) when missing, refuses
 * when a live daemon answers there (E_DAEMON_RUNNING), removes a stale socket file. An existing
 * folder keeps its mode: it may be a shared one such as /tmp.
 */
export async function prepareSocketPath(socketPath: string, clock: Clock): Promise<void> {
	checkSocketPath(socketPath);
	const folder = path.dirname(socketPath);
	const created = await mkdir(folder, {recursive: true, mode: 0o700});
	if (created !== undefined) {
		// mkdir's mode goes through the umask; say it exactly.
		await chmod(folder, 0o700);
	}

	const found = await probeSocket(socketPath, clock);
	if (found === 'live') {
		throw new TmError('E_DAEMON_RUNNING', `a tm daemon is already running on ${socketPath}`);
	}

	if (found === 'stale') {
		try {
			await unlink(socketPath);
		} catch (error) {
			if (errnoOf(error) !== 'ENOENT') {
				throw new TmError('E_INTERNAL', `cannot remove the stale socket ${socketPath}: ${messageOf(error)}`, {cause: error});
			}
		}
	}
}
