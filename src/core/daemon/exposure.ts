/**
 * What of tm's other users of the machine can read, said once at start as sshd does: the home
 * folder open to them (one that existed before tm, such as a `--home /var/lib/tm` made 0755),
 * and log files readable by them (written 0644 by an older tm, or made so by hand). tm creates
 * its files private (log/file-access.ts) but changes the mode of nothing it did not create.
 *
 * Only what others can reach counts: a folder or file inside one they cannot enter is private.
 */
import {statSync} from 'node:fs';
import path from 'node:path';
import {expandTasks} from '../config/index.js';
import type {Config} from '../model.js';
import {taskLogPaths} from '../paths.js';

/** One line per problem: the home, then each folder holding log files others can read. */
export function exposureWarnings(config: Config, home: string, cwd: string): string[] {
	const warnings: string[] = [];
	const homeMode = modeOf(home);
	if (homeMode !== null && (homeMode & 0o005) !== 0 && reachable(path.dirname(home))) {
		warnings.push(
			`the tm home ${home} is open to other users (mode ${octal(homeMode)}): they can reach what in it is not private, such as task logs an older tm wrote 0644; chmod 700 ${home}`,
		);
	}

	const exposed = new Map<string, string[]>();
	for (const file of logFiles(config, home, cwd)) {
		const mode = modeOf(file);
		if (mode !== null && (mode & 0o004) !== 0 && reachable(path.dirname(file))) {
			const folder = path.dirname(file);
			exposed.set(folder, [...(exposed.get(folder) ?? []), `${path.basename(file)} ${octal(mode)}`]);
		}
	}

	for (const [folder, files] of exposed) {
		const shown = files.length > 3 ? `${files.slice(0, 3).join(', ')} and ${files.length - 3} more` : files.join(', ');
		const what = files.length === 1 ? 'a log file' : `${files.length} log files`;
		warnings.push(`${what} in ${folder} can be read by other users (${shown}): tm creates log files 0600 but leaves existing ones as they are; chmod 600 them`);
	}

	return warnings;
}

/** The log files tm will write: every program's stdout and stderr, and the daemon log. */
function logFiles(config: Config, home: string, cwd: string): Set<string> {
	const base = config.file ? path.dirname(config.file) : cwd;
	const files = new Set<string>();
	for (const spec of expandTasks(config)) {
		const logs = taskLogPaths(spec, home, base);
		files.add(logs.stdout).add(logs.stderr);
	}

	if (config.daemon.logfile !== null) {
		files.add(path.resolve(cwd, config.daemon.logfile));
	}

	return files;
}

/** Whether other users can get into `folder`: it and every folder above it let them through (o+x). */
function reachable(folder: string): boolean {
	for (let at = folder; ; at = path.dirname(at)) {
		const mode = modeOf(at);
		if (mode === null || (mode & 0o001) === 0) {
			return false;
		}

		if (at === path.dirname(at)) {
			return true;
		}
	}
}

function modeOf(file: string): number | null {
	try {
		return statSync(file).mode & 0o777;
	} catch {
		return null;
	}
}

function octal(mode: number): string {
	return mode.toString(8).padStart(4, '0');
}
