/**
 * `tm validate [-c FILE] [--json]`: checks a config file without a daemon and lists every problem.
 */
import {existsSync} from 'node:fs';
import type {Command} from 'commander';
import {formatIssue, loadConfigFile, resolveConfigPath, taskCount} from '../core/config/index.js';
import {TmError} from '../core/errors.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type ValidateOptions = GlobalOptions & {config?: string};

/** Finds the config file the way every command does (`-c`, ./tm.yaml, XDG). */
export function configPath(explicit: string | undefined, deps: Deps): string {
	const file = resolveConfigPath(explicit, {
		cwd: deps.cwd,
		xdgConfigHome: deps.env['XDG_CONFIG_HOME'],
		home: deps.env['HOME'],
		exists: existsSync,
	});
	if (file === null) {
		throw new TmError('E_CONFIG_NOT_FOUND', 'no config file: pass -c FILE, or create ./tm.yaml or $XDG_CONFIG_HOME/tm/tm.yaml');
	}

	return file;
}

export async function runValidate(options: ValidateOptions, deps: Deps): Promise<number> {
	let file: string;
	try {
		file = configPath(options.config, deps);
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	const result = await loadConfigFile(file);
	if (!result.ok) {
		if (options.json) {
			printJson(deps.io, {file, valid: false, issues: result.error});
		} else {
			for (const issue of result.error) {
				deps.io.err(`${formatIssue(issue)}\n`);
			}

			const count = result.error.length;
			deps.io.err(`${file}: ${count} problem${count === 1 ? '' : 's'}\n`);
		}

		return 2;
	}

	const tasks = taskCount(result.value);
	if (options.json) {
		printJson(deps.io, {file, valid: true, issues: [], programs: result.value.programs.length, tasks});
	} else {
		deps.io.out(`${file}: ok (${result.value.programs.length} programs, ${tasks} tasks)\n`);
	}

	return 0;
}

export function registerValidate(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('validate')
		.description('check a config file without a daemon')
		.option('-c, --config <file>', 'config file (default ./tm.yaml)')
		.action(async (options: ValidateOptions, command: Command) => {
			done(await runValidate({...command.optsWithGlobals(), ...options}, deps));
		});
}
