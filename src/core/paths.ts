/**
 * Where tm keeps its files (SPEC §8): `--home`, else TM_HOME, else $XDG_STATE_HOME/tm, else
 * ~/.local/state/tm.
 */
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export function resolveHome(explicit: string | undefined, env: Env): string {
	if (explicit) {
		return path.resolve(explicit);
	}

	if (env['TM_HOME']) {
		return path.resolve(env['TM_HOME']);
	}

	if (env['XDG_STATE_HOME']) {
		return path.join(env['XDG_STATE_HOME'], 'tm');
	}

	return path.join(env['HOME'] ?? '/tmp', '.local', 'state', 'tm');
}

export function resolveSocket(explicit: string | undefined, home: string, env: Env): string {
	return path.resolve(explicit ?? env['TM_SOCKET'] ?? path.join(home, 'tm.sock'));
}

/** The daemon's database, `$TM_HOME/tm.db`: written by the daemon, read by `tm history` with the daemon down. */
export function databasePath(home: string): string {
	return path.join(home, 'tm.db');
}

/** The lines typed at `tm shell`, kept across sessions: `$TM_HOME/shell_history`. */
export function shellHistoryPath(home: string): string {
	return path.join(home, 'shell_history');
}

/** The longest file name (one path component) Linux file systems take, NAME_MAX, in bytes. */
export const fileNameLimit = 255;

/** The default log file names of a task, in `$TM_HOME/logs`: `<task>.out.log` and `.err.log`. */
export function defaultLogNames(taskId: string): {stdout: string; stderr: string} {
	const base = taskId.replaceAll('/', '_');
	return {stdout: `${base}.out.log`, stderr: `${base}.err.log`};
}

/** The default log files of a task: `$TM_HOME/logs/<task>.out.log` and `.err.log`. */
export function defaultLogPaths(home: string, taskId: string): {stdout: string; stderr: string} {
	const names = defaultLogNames(taskId);
	return {stdout: path.join(logsFolder(home), names.stdout), stderr: path.join(logsFolder(home), names.stderr)};
}

/** A log file's `n`th old file once it rotates: `web.out.log.1` … */
export function rotatedLogPath(file: string, n: number): string {
	return `${file}.${n}`;
}

/**
 * The longest file name a log file makes: that of its oldest rotated file when it rotates into
 * old files (`max_size` > 0 and `backups` > 0), else its own.
 */
export function longestLogName(file: string, log: {maxSize: number; backups: number}): string {
	const rotates = log.maxSize > 0 && Math.floor(log.backups) > 0;
	return path.basename(rotates ? rotatedLogPath(file, Math.floor(log.backups)) : file);
}

/** How many bytes `name` has past `fileNameLimit` (0 when it fits). */
export function fileNameExcess(name: string): number {
	return Math.max(Buffer.byteLength(name) - fileNameLimit, 0);
}

/** Where a task's output goes: its `stdout`/`stderr` (relative ones against `base`, the config file's folder), else the defaults. */
export function taskLogPaths(spec: {id: string; stdout: string | null; stderr: string | null}, home: string, base: string): {stdout: string; stderr: string} {
	const defaults = defaultLogPaths(home, spec.id);
	return {
		stdout: spec.stdout === null ? defaults.stdout : path.resolve(base, spec.stdout),
		stderr: spec.stderr === null ? defaults.stderr : path.resolve(base, spec.stderr),
	};
}

/** The folder of the default log files, `$TM_HOME/logs` (0700: see log/file-access.ts). */
export function logsFolder(home: string): string {
	return path.join(home, 'logs');
}

/** The HTTP API's token when `http_token` is not set: made at the daemon's first start with `http:` (mode 0600). */
export function httpTokenPath(home: string): string {
	return path.join(home, 'http.token');
}
