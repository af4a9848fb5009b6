/**
 * Which daemons a command talks to: none given (this machine's socket), or the hosts of
 * `--host` (repeated, or `a,b`) or else `TM_HOST`: ssh:// addresses, names from `tm host ls`,
 * `all` for every named host. With a host, `--home` and `--socket` name that machine's paths.
 */
import {TmError} from '../core/errors.js';
import {isHostName, parseSshUrl, type SshTarget} from '../core/client/ssh-url.js';
import type {GlobalOptions} from './deps.js';
import {hostsFilePath, readHosts, type Env} from './hosts-file.js';

export type Hosts = {
	targets: SshTarget[];
	/** Several hosts (or `all`): the commands that take them show a HOST column. */
	many: boolean;
};

/** The words given: `--host` values, else TM_HOST; each split on commas. */
export function hostWords(given: readonly string[] | undefined, env: Env): string[] {
	const words = given !== undefined && given.length > 0 ? given : env['TM_HOST'] ? [env['TM_HOST']] : [];
	return words.flatMap(word => word.split(',')).map(word => word.trim()).filter(Boolean);
}

/** The targets the options mean, or null for this machine. Throws E_USAGE naming a bad one. */
export function resolveHosts(options: GlobalOptions, env: Env): Hosts | null {
	const words = hostWords(options.host, env);
	if (words.length === 0) {
		return null;
	}

	let named: Map<string, string> | null = null;
	const names = (): Map<string, string> => (named ??= readHosts(env));
	const targets: SshTarget[] = [];
	for (const word of words) {
		if (word === 'all') {
			if (names().size === 0) {
				throw new TmError('E_USAGE', `--host all: no named hosts (${hostsFilePath(env)}); add one with tm host add NAME ssh://…`);
			}

			targets.push(...[...names()].map(([name, url]) => parseSshUrl(url, name)));
		} else if (word.startsWith('ssh://')) {
			targets.push(parseSshUrl(word));
		} else if (isHostName(word) && names().has(word)) {
			targets.push(parseSshUrl(names().get(word)!, word));
		} else {
			throw new TmError('E_USAGE', `--host ${word}: not an ssh:// address nor a named host (tm host ls lists them; tm host add ${word} ssh://… names one)`);
		}
	}

	return {targets: distinct(targets, options), many: words.length > 1 || words.includes('all')};
}

/** Each host once; `--home`/`--socket` applied; labels made unique (`web1`, `web1#2`). */
function distinct(targets: SshTarget[], options: GlobalOptions): SshTarget[] {
	const seen = new Set<string>();
	const labels = new Map<string, number>();
	const out: SshTarget[] = [];
	for (const given of targets) {
		const target = options.socket ? {...given, socket: options.socket, home: null} : options.home ? {...given, home: options.home, socket: null} : given;
		const key = `${target.url} ${target.home} ${target.socket}`;
		if (seen.has(key)) {
			continue;
		}

		seen.add(key);
		const count = (labels.get(target.label) ?? 0) + 1;
		labels.set(target.label, count);
		out.push(count === 1 ? target : {...target, label: `${target.label}#${count}`});
	}

	return out;
}
