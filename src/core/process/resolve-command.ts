/**
 * Finds the executable a task names before spawning it, so a typo gets a message that names
 * the command and where it looked, instead of a bare ENOENT.
 */
import {accessSync, constants, statSync} from 'node:fs';
import path from 'node:path';
import {err, ok, type Result} from '../errors.js';

function executable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

export function resolveCommand(command: string, cwd: string, envPath: string | undefined): Result<string, string> {
	if (command.includes('/')) {
		const file = path.resolve(cwd, command);
		try {
			statSync(file);
		} catch {
			return err(`command not found: ${file}`);
		}

		return executable(file) ? ok(file) : err(`command is not an executable file: ${file}`);
	}

	const dirs = (envPath ?? '').split(':').filter(Boolean);
	for (const dir of dirs) {
		const file = path.join(dir, command);
		if (executable(file)) {
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
