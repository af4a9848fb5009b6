/**
 * `tm signal SIG NAME…`: sends a signal (TERM, SIGHUP, 15…) to each task's process group.
 */
import type {Command} from 'commander';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export async function runSignal(signal: string, names: string[], options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(
		options,
		deps,
		async client => {
			const doc = await client.call('signal', {signal, names});
			if (options.json) {
				printJson(deps.io, doc);
			} else {
				for (const r of doc.results) {
					deps.io.out(r.ok ? `${r.name}: signalled\n` : `${r.name}: ${r.error ?? 'not signalled'}\n`);
				}
			}

			return doc.results.every(r => r.ok) ? 0 : 1;
		},
		{names},
	);
}

export function registerSignal(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('signal')
		.description("send a signal to tasks' process groups")
		.argument('<signal>', 'TERM, SIGHUP, 15, …')
		.argument('<names...>', 'tasks, programs, globs or all')
		.action(async (signal: string, names: string[], _options: GlobalOptions, command: Command) => {
			done(await runSignal(signal, names, command.optsWithGlobals(), deps));
		});
}
