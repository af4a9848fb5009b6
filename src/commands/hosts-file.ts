/**
 * Named hosts (`tm host add web1 ssh://deploy@web1`): one line per host, `NAME URL`, in
 * `$XDG_CONFIG_HOME/tm/hosts` (default `~/.config/tm/hosts`), beside the config tm.yaml's
 * default place. A plain file, not YAML: every `--host NAME` reads it, and reading it must cost
 * nothing next to the ssh round trip; a person can still edit it (`#` starts a comment).
 */
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {messageOf, TmError} from '../core/errors.js';

export type Env = Record<string, string | undefined>;

export function hostsFilePath(env: Env): string {
	const xdg = env['XDG_CONFIG_HOME'];
	const config = xdg && path.isAbsolute(xdg) ? xdg : path.join(env['HOME'] ?? os.homedir(), '.config');
	return path.join(config, 'tm', 'hosts');
}

/** Every named host, in the file's order; none when there is no file. */
export function readHosts(env: Env): Map<string, string> {
	const file = hostsFilePath(env);
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return new Map();
		}

		throw new TmError('E_CONFIG_INVALID', `cannot read ${file}: ${messageOf(error)}`);
	}

	const hosts = new Map<string, string>();
	for (const [index, raw] of text.split('\n').entries()) {
		const line = raw.replace(/#.*$/, '').trim();
		if (line === '') {
			continue;
		}

		const [name, url, ...rest] = line.split(/\s+/);
		if (url === undefined || rest.length > 0) {
			throw new TmError('E_CONFIG_INVALID', `${file}:${index + 1}: expected "NAME ssh://…", got "${line}"`);
		}

		hosts.set(name!, url);
	}

	return hosts;
}

/** Writes the whole list (through a temporary file: a crash never leaves half of it). */
export function writeHosts(env: Env, hosts: ReadonlyMap<string, string>): string {
	const file = hostsFilePath(env);
	mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
	const lines = [...hosts].map(([name, url]) => `${name} ${url}\n`).join('');
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, `# tm's named hosts (tm host add/rm): NAME ssh://[user@]host[:port][?home=…|socket=…][&tm=…]\n${lines}`, {mode: 0o600});
	renameSync(temporary, file);
	return file;
}
