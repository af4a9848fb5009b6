/**
 * `tm validate [-c FILE] [--json]`: checks a config file without a daemon and lists every problem.
 */
import {existsSync} from 'node:fs';
import type {Command} from 'commander';
import {formatIssue, loadConfigFile, resolveConfigPath, taskCount} from '../core/config/index.js';
import {TmError} from '../core/errors.js';
import {preflight} from '../core/preflight.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type ValidateOptions = GlobalOptions & {config?: string; strict?: boolean};

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
	// Well-formed; whether this machine can start it yet (a missing binary, folder or user) is a warning.
	const warnings = preflight(result.value.programs, deps.env, deps.cwd);
	const failed = options.strict === true && warnings.length > 0;
	if (options.json) {
		printJson(deps.io, {file, valid: !failed, issues: [], warnings, programs: result.value.programs.length, tasks});
	} else {
		for (const warning of warnings) {
			deps.io.err(`${file}: ${failed ? 'error' : 'warning'}: programs.${warning.program}: ${warning.message}\n`);
		}

		const said = warnings.length === 0 ? '' : `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}${failed ? ' (--strict: errors)' : ''}`;
		(failed ? deps.io.err : deps.io.out)(`${file}: ${failed ? 'not ready' : 'ok'} (${result.value.programs.length} programs, ${tasks} tasks${said})\n`);
	}

	return failed ? 2 : 0;
}

export function registerValidate(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('validate')
		.description('check a config file without a daemon')
		.option('-c, --config <file>', 'config file (default ./tm.yaml)')
		.option('--strict', 'treat warnings (a command, folder or user this machine does not have) as errors: exit 2')
		.action(async (options: ValidateOptions, command: Command) => {
			done(await runValidate({...command.optsWithGlobals(), ...options}, deps));
		});
}
