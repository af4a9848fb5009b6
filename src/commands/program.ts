/**
 * Builds the `tm` command line. No side effects at import; `main` returns the exit code and
 * never exits, so tests can run any command in-process.
 */
import {Command, CommanderError} from 'commander';
import {version} from '../core/version.js';
import type {Deps} from './deps.js';
import {registerDown} from './down.js';
import {registerHistory} from './history.js';
import {registerLogs} from './logs.js';
import {registerSignal} from './signal.js';
import {registerVersion} from './version.js';
import {registerRestart} from './restart.js';
import {registerStart} from './start.js';
import {registerStatus} from './status.js';
import {registerStop} from './stop.js';
import {registerTop} from './top.js';
import {registerUp} from './up.js';
import {registerValidate} from './validate.js';

export {version} from '../core/version.js';

export function createProgram(deps: Deps, done: (code: number) => void): Command {
	const program = new Command('tm')
		.description('supervise long-running programs and one-shot jobs')
		.version(version, '-V, --version')
		.option('--json', 'print one JSON document')
		.option('--socket <path>', 'control socket (default $TM_HOME/tm.sock)')
		.option('--home <dir>', 'state folder (default $TM_HOME, else ~/.local/state/tm)')
		.showHelpAfterError()
		.exitOverride()
		.configureOutput({
			writeOut: text => deps.io.out(text),
			writeErr: text => deps.io.err(text),
		});
	registerUp(program, deps, done);
	registerValidate(program, deps, done);
	registerHistory(program, deps, done);
	registerStatus(program, deps, done);
	registerStart(program, deps, done);
	registerStop(program, deps, done);
	registerRestart(program, deps, done);
	registerDown(program, deps, done);
	registerLogs(program, deps, done);
	registerSignal(program, deps, done);
	registerVersion(program, deps, done);
	registerTop(program, deps, done);
	return program;
}

/** Runs one command line (`argv` without node and script) and returns its exit code. */
export async function main(argv: string[], deps: Deps): Promise<number> {
	let code = 0;
	const program = createProgram(deps, result => {
		code = result;
	});
	try {
		await program.parseAsync(argv, {from: 'user'});
	} catch (error) {
		if (error instanceof CommanderError) {
			return error.exitCode === 0 ? 0 : 2;
		}

		throw error;
	}

	return code;
}
