/**
 * Talking to systemd when it runs `tm up --foreground` (docs/cli.md, `tm startup`).
 *
 * Readiness (`Type=notify`): systemd listens on the unix datagram socket named by NOTIFY_SOCKET.
 * Node cannot send unix datagrams, so tm runs systemd's own `systemd-notify --ready`, which ships
 * with systemd wherever it runs. Without `--no-block` it waits until systemd has processed the
 * message, so the message cannot be lost when the short-lived sender exits first; the unit says
 * `NotifyAccess=all` because the sender is tm's child, not tm.
 */
import {spawn} from 'node:child_process';
import {accessSync, constants} from 'node:fs';
import path from 'node:path';

type Env = Record<string, string | undefined>;

/** What systemd tells its main process; tasks must not inherit it (a task's READY=1 would be taken for tm's). */
export const systemdVariables = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'] as const;

export function withoutSystemdVariables(env: Env): Env {
	const rest = {...env};
	for (const name of systemdVariables) {
		delete rest[name];
	}

	return rest;
}

/** `systemd-notify` on PATH or in systemd's usual places; null when systemd is not installed. */
export function findSystemdNotify(env: Env): string | null {
	const folders = [...(env['PATH'] ?? '').split(':').filter(folder => path.isAbsolute(folder)), '/usr/bin', '/bin'];
	for (const folder of folders) {
		const file = path.join(folder, 'systemd-notify');
		try {
			accessSync(file, constants.X_OK);
			return file;
		} catch {
			// not here
		}
	}

	return null;
}

/**
 * Sends `READY=1` and friends to systemd when NOTIFY_SOCKET is set; a no-op otherwise.
 * Resolves with a problem to report, or null.
 */
export async function notifySystemd(env: Env, args: string[]): Promise<string | null> {
	if (!env['NOTIFY_SOCKET']) {
		return null;
	}

	const notify = findSystemdNotify(env);
	if (notify === null) {
		return 'NOTIFY_SOCKET is set but systemd-notify was not found, so systemd is not told that tm is ready; use Type=exec in the unit';
	}

	return new Promise(resolve => {
		const child = spawn(notify, args, {env: {...env}, stdio: ['ignore', 'ignore', 'pipe']});
		let said = '';
		child.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
		child.on('error', error => resolve(`${notify}: ${error.message}`));
		child.on('exit', code => resolve(code === 0 ? null : `${notify} ${args.join(' ')} exited with ${code}: ${said.trim()}`));
	});
}
