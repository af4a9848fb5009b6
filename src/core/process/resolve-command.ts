/**
 * Finds the executable a task names before spawning it, so a typo gets a message that names
 * the command and where it looked, instead of a bare ENOENT.
 */
import {accessSync, constants, statSync} from 'node:fs';
import path from 'node:path';
import {err, ok, type Result} from '../errors.js';

function canExecute(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

function executable(file: string): boolean {
	return canExecute(file) && (statSync(file, {throwIfNoEntry: false})?.isFile() ?? false);
}

/**
 * What a search found, for the rest of this event-loop turn: a burst of starts of one command
 * (10,000 instances) searches PATH once, not once each; a later turn searches again.
 */
const found = new Map<string, string>();

function remember(key: string, file: string): void {
	if (found.size === 0) {
		setImmediate(() => found.clear());
	}

	found.set(key, file);
}

export function resolveCommand(command: string, cwd: string, envPath: string | undefined): Result<string, string> {
	if (command.includes('/')) {
		const file = path.resolve(cwd, command);
		let stats;
		try {
			stats = statSync(file, {throwIfNoEntry: false});
		} catch {
			// EACCES on a folder on the way, ENOTDIR…: what a start would find too.
		}

		if (stats === undefined) {
			return err(`command not found: ${file}`);
		}

		return stats.isFile() && canExecute(file) ? ok(file) : err(`command is not an executable file: ${file}`);
	}

	const key = `${command}\0${envPath ?? ''}`;
	const known = found.get(key);
	if (known !== undefined && executable(known)) {
		return ok(known);
	}

	const dirs = (envPath ?? '').split(':').filter(Boolean);
	for (const dir of dirs) {
		const file = path.join(dir, command);
		if (executable(file)) {
			remember(key, file);
			return ok(file);
		}
	}

	return err(`command not found: ${command} (searched PATH=${envPath ?? ''})`);
}

/** Checks that `dir` exists and is a directory. */
export function checkWorkingDir(dir: string): Result<string, string> {
	try {
		return statSync(dir).isDirectory() ? ok(dir) : err(`workingdir is not a directory: ${dir}`);
	} catch {
		return err(`workingdir does not exist: ${dir}`);
	}
}
