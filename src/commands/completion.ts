/**
 * `tm completion bash|zsh`: prints a shell completion script. The commands, their options and
 * arguments are read from the commander program itself (what `tm --help` shows), so the script
 * cannot drift from the command line; task names are completed by asking the daemon
 * (`tm status --json`, quietly, with a time limit) when one is up.
 *
 *   bash: source <(tm completion bash)         (or save it in /etc/bash_completion.d/tm)
 *   zsh:  tm completion zsh > "${fpath[1]}/_tm"  (or source <(tm completion zsh) after compinit)
 */
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import {bashScript} from './completion/bash.js';
import {completionModel, shells} from './completion/model.js';
import {zshScript} from './completion/zsh.js';
import type {Deps, GlobalOptions} from './deps.js';
import {reportError} from './output.js';

export function runCompletion(shell: string, program: Command, options: GlobalOptions, deps: Deps): number {
	if (!(shells as readonly string[]).includes(shell)) {
		return reportError(deps.io, options.json, new TmError('E_USAGE', `completion: expected ${shells.join(' or ')}, got "${shell}"`));
	}

	const model = completionModel(program);
	deps.io.out(shell === 'bash' ? bashScript(model) : zshScript(model));
	return 0;
}

export function registerCompletion(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('completion')
		.description('print a bash or zsh completion script')
		.argument('<shell>', shells.join(' or '))
		.action((shell: string, _options: GlobalOptions, command: Command) => {
			done(runCompletion(shell, program, command.optsWithGlobals(), deps));
		});
}
