/**
 * A daemon for the --host tests: `tm up --foreground` in a home of its own (killed by PID with
 * killAllTm), reached through the test's sshd as `ssh://root@127.0.0.1:PORT?home=HOME`, and
 * the environment a local tm needs to get there (TM_SSH_COMMAND, its own HOME and config).
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {tm} from './cli.js';
import type {Sshd} from './sshd.js';
import {runTm, type TmProcess} from './tm-process.js';
import {waitFor} from './wait.js';

export type RemoteDaemon = {home: string; config: string; url: string; daemon: TmProcess};

/** The local side's environment: ssh from PATH, pointed at the temp sshd; named hosts under `dir`. */
export function localEnv(sshd: Sshd, dir: string): Record<string, string> {
	return {HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...sshd.env};
}

export async function remoteDaemon(sshd: Sshd, dir: string, name: string, yaml: string): Promise<RemoteDaemon> {
	const home = path.join(dir, name);
	mkdirSync(home, {recursive: true});
	const config = path.join(dir, `${name}.yaml`);
	writeFileSync(config, yaml);
	const daemon = runTm(['up', '--foreground', '-c', config], {cwd: dir, env: {TM_HOME: home}});
	await waitFor(async () => (await tm(['status', '--home', home])).code, code => code === 0, {timeout: 30_000, interval: 100, what: `the daemon in ${home}`});
	return {home, config, url: `${sshd.url}?home=${home}`, daemon};
}
