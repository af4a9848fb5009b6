/**
 * `tm reload [--dry-run]`: the daemon re-reads its config file and applies the difference:
 * added programs start, removed ones stop, changed ones restart, unchanged ones keep running.
 * Prints the plan. An invalid file changes nothing and lists every problem.
 */
import type {Command} from 'commander';
import {formatPlan} from '../core/daemon/reload-text.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export type ReloadOptions = GlobalOptions & {dryRun?: boolean};

export async function runReload(options: ReloadOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const plan = await client.call('reload', {dryRun: options.dryRun === true});
		if (options.json) {
			printJson(deps.io, plan);
		} else {
			deps.io.out(formatPlan(plan));
		}

		return 0;
	});
}

export function registerReload(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('reload')
		.description('re-read the config: start added, stop removed, restart changed programs')
		.option('--dry-run', 'print the plan without applying it')
		.action(async (options: ReloadOptions, command: Command) => {
			done(await runReload({...command.optsWithGlobals(), ...options}, deps));
		});
}
