/**
 * Loading a config: find the file, read it, then the pure steps parse → validate → resolve
 * paths. This module alone touches the file system.
 */
import {open} from 'node:fs/promises';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import {err, messageOf, ok, type Result} from '../errors.js';
import type {Config} from '../model.js';
import type {HostSize} from './capacity.js';
import type {ConfigIssue} from './issue.js';
import {parseYaml} from './parse.js';
import {resolvePaths} from './paths.js';
import {validateConfig} from './validate.js';

export {expandTasks} from './expand.js';
export {formatIssue} from './issue.js';

/** What `resolveConfigPath` may look at. */
export type ConfigPathEnv = {
	cwd: string;
	xdgConfigHome?: string;
	home?: string;
	exists: (path: string) => boolean;
};

/**
 * Loads config text. `file` names the text in issues; relative paths in the config are resolved
 * against its folder, and `Config.file` is its absolute path. The capacity is sized on `host`
 * (this machine unless given).
 */
export function loadConfigText(text: string, file: string, host?: HostSize): Result<Config, ConfigIssue[]> {
	const parsed = parseYaml(text, file);
	if (!parsed.ok) {
		return parsed;
	}

	const valid = validateConfig(parsed.value, host);
	if (!valid.ok) {
		return valid;
	}

	const absolute = resolve(file);
	const {daemon, programs} = resolvePaths(valid.value, dirname(absolute));
	return ok({file: absolute, daemon, programs});
}

/** The largest config file tm reads: parsing YAML takes about 100 bytes of memory per byte of text. */
export const maxConfigBytes = 8 * 1024 * 1024;

/** The file's text, or null past `maxConfigBytes` (so `/dev/zero` or a huge file costs no more). */
async function readText(path: string): Promise<string | null> {
	const file = await open(path, 'r');
	try {
		const chunks: Buffer[] = [];
		let size = 0;
		for (;;) {
			const {bytesRead, buffer} = await file.read({buffer: Buffer.allocUnsafe(64 * 1024)});
			if (bytesRead === 0) {
				return Buffer.concat(chunks, size).toString('utf8');
			}

			size += bytesRead;
			if (size > maxConfigBytes) {
				return null;
			}

			chunks.push(buffer.subarray(0, bytesRead));
		}
	} finally {
		await file.close();
	}
}

function readProblem(error: unknown): string {
	const code = (error as {code?: unknown} | null)?.code;
	switch (code) {
		case 'ENOENT': {
			return 'no such file; pass -c FILE or create ./tm.yaml';
		}

		case 'EACCES':
		case 'EPERM': {
			return 'permission denied; make it readable by this user or pass -c FILE';
		}

		case 'EISDIR': {
			return 'it is a folder; pass -c FILE with a YAML file';
		}

		default: {
			return messageOf(error);
		}
	}
}

/**
 * Reads and loads a config file (a relative path is taken from the current folder). A file
 * that cannot be read, or is larger than `maxConfigBytes`, gives one issue at 1:1 naming the
 * file and the fix.
 */
export async function loadConfigFile(path: string): Promise<Result<Config, ConfigIssue[]>> {
	const absolute = resolve(process.cwd(), path);
	const unreadable = (problem: string): Result<never, ConfigIssue[]> =>
		err([{file: path, line: 1, col: 1, path: '', message: `cannot read config ${absolute}: ${problem}`}]);
	let text: string | null;
	try {
		text = await readText(absolute);
	} catch (error) {
		return unreadable(readProblem(error));
	}

	if (text === null) {
		return unreadable(`more than ${maxConfigBytes / 1024 / 1024} MiB, the most a config file may have`);
	}

	const loaded = loadConfigText(text, path);
	return loaded.ok ? ok({...loaded.value, file: absolute}) : loaded;
}

/**
 * Which config file to use: `explicit` (from `-c`) when given, else the first that exists of
 * `./tm.yaml`, `$XDG_CONFIG_HOME/tm/tm.yaml` and `~/.config/tm/tm.yaml`; null when none does.
 */
export function resolveConfigPath(explicit: string | undefined, env: ConfigPathEnv): string | null {
	if (explicit !== undefined) {
		return resolve(env.cwd, explicit);
	}

	const candidates = [join(env.cwd, 'tm.yaml')];
	if (env.xdgConfigHome !== undefined && isAbsolute(env.xdgConfigHome)) {
		candidates.push(join(env.xdgConfigHome, 'tm', 'tm.yaml'));
	}

	if (env.home !== undefined && env.home !== '') {
		candidates.push(join(env.home, '.config', 'tm', 'tm.yaml'));
	}

	return candidates.find((candidate) => env.exists(candidate)) ?? null;
}
