/**
 * What `tm cancel`, `tm retry`, `tm pause` and `tm resume` share: send the names, print one line
 * per task, exit 1 when any of them was refused (a finished job cannot be cancelled, only a
 * failed one retried, only a running one paused) and 4 for a name that does not exist.
 *
 * `tm cancel` then waits, like `tm stop`, until each cancelled job has stopped (the stop signal,
 * then SIGKILL after its stoptime); `--no-wait` returns at once.
 */
import type {Command} from 'commander';
import type {TaskActionResult} from '../core/ipc/methods.js';
import type {TmClient} from '../core/client/seam.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export type JobAction = 'cancel' | 'retry' | 'pause' | 'resume';

export type JobActionOptions = GlobalOptions & {wait?: boolean};

const finished = new Set(['completed', 'failed', 'fatal', 'stopped']);

/** Waits for every accepted cancel to reach a final state, and reports that state. */
async function settle(client: TmClient, results: TaskActionResult[]): Promise<TaskActionResult[]> {
	return Promise.all(
		results.map(async result => {
			if (!result.ok || finished.has(result.state)) {
				return result;
			}

			const done = await client.call('wait', {name: result.name});
			return {...result, state: done.state};
		}),
	);
}

export async function runJobAction(action: JobAction, names: string[], options: JobActionOptions, deps: Deps): Promise<number> {
	return withClient(
		options,
		deps,
		async client => {
			const doc = await client.call(action, {names});
			const results = action === 'cancel' && options.wait !== false ? await settle(client, doc.results) : doc.results;
			if (options.json) {
				printJson(deps.io, {results});
			} else {
				for (const r of results) {
					deps.io.out(r.ok ? `${r.name}: ${r.state}\n` : `${r.name}: ${r.state} (${r.error ?? 'refused'})\n`);
				}
			}

			return results.every(r => r.ok) ? 0 : 1;
		},
		{names},
	);
}

export function registerJobAction(program: Command, deps: Deps, done: (code: number) => void, action: JobAction, description: string): void {
	const command = program
		.command(action)
		.description(description)
		.argument('<ids...>', 'job ids (j-…), names, globs such as j-*, or all');
	if (action === 'cancel') {
		command.option('--no-wait', 'return at once instead of waiting for the jobs to stop');
	}

	command.action(async (ids: string[], options: JobActionOptions, cmd: Command) => {
		done(await runJobAction(action, ids, {...cmd.optsWithGlobals(), ...options}, deps));
	});
}
