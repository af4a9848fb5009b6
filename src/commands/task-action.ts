/**
 * What `tm start`, `tm stop` and `tm restart` share: send the names, wait (unless --no-wait),
 * print one line per task, and exit 1 when any task did not get there.
 */
import type {Command} from 'commander';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export type ActionOptions = GlobalOptions & {wait?: boolean};

export async function runTaskAction(
	method: 'start' | 'stop' | 'restart',
	names: string[],
	options: ActionOptions,
	deps: Deps,
): Promise<number> {
	const wait = options.wait !== false;
	return withClient(
		options,
		deps,
		async client => {
			// Waiting may outlast several backoffs; the daemon decides when the task got there.
			const doc = await client.call(method, {names, wait}, {timeoutMs: wait ? 24 * 3_600_000 : 10_000});
			if (options.json) {
				printJson(deps.io, doc);
			} else {
				for (const r of doc.results) {
					deps.io.out(r.ok ? `${r.name}: ${r.state}\n` : `${r.name}: ${r.state} (${r.error ?? 'failed'})\n`);
				}
			}

			return doc.results.every(r => r.ok) ? 0 : 1;
		},
		{names},
	);
}

export function registerTaskAction(
	program: Command,
	deps: Deps,
	done: (code: number) => void,
	method: 'start' | 'stop' | 'restart',
	description: string,
): void {
	program
		.command(method)
		.description(description)
		.argument('<names...>', 'tasks, programs, globs such as web:*, or all')
		.option('--no-wait', 'return at once instead of waiting for the new state')
		.action(async (names: string[], options: ActionOptions, command: Command) => {
			done(await runTaskAction(method, names, {...command.optsWithGlobals(), ...options}, deps));
		});
}
