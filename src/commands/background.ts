/**
 * Starting the daemon in the background: re-run this same tm as `up --foreground`, detached in
 * its own session with its output in `$TM_HOME/tmd.out`, and wait until it answers on the
 * socket — or report what it said if it exits first.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, openSync, closeSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {SocketClient} from '../core/client/socket-client.js';
import {TmError} from '../core/errors.js';
import type {Deps} from './deps.js';

export type Started = {pid: number; socket: string; output: string};

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
	const deadline = Date.now() + timeoutMs;
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
			const said = readFileSync(output, 'utf8').trim().split('\n').slice(-5).join('\n');
			throw new TmError('E_INTERNAL', `the daemon exited with code ${exited} before answering:\n${said}`);
		}

		if (Date.now() > deadline) {
			throw new TmError('E_INTERNAL', `the daemon (pid ${pid}) did not answer on ${socket} within ${timeoutMs / 1000}s; see ${output}`);
		}

		await delay(25);
	}
}
