/**
 * What `tm cancel`, `tm retry`, `tm fail`, `tm pause` and `tm resume` share: send the names, print
 * one line per task, exit 1 when any of them was refused (a finished job cannot be cancelled or
 * failed, only a failed one retried, only a running one paused) and 4 for a name that does not exist.
 *
 * `tm cancel` and `tm fail` then wait, like `tm stop`, until each job has stopped (the stop
 * signal, then SIGKILL after its stoptime); `--no-wait` returns at once. `tm retry --delay/--at`
 * puts the jobs back not to start before then; `tm fail --reason` says why, in their history.
 */
import type {Command} from 'commander';
import type {TaskActionResult} from '../core/ipc/methods.js';
import type {TmClient} from '../core/client/seam.js';
import {withClient} from './connect.js';
import {delayParams, type DelayOptions} from './delay-options.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type JobAction = 'cancel' | 'retry' | 'fail' | 'pause' | 'resume';

export type JobActionOptions = GlobalOptions & DelayOptions & {wait?: boolean; reason?: string};

/** The actions that stop what runs, and so wait for it unless `--no-wait`. */
const stopping: ReadonlySet<JobAction> = new Set(['cancel', 'fail']);

/** One request: the names, and what the action's options add. */
async function request(client: TmClient, action: JobAction, names: string[], options: JobActionOptions, now: number): Promise<TaskActionResult[]> {
	switch (action) {
		case 'retry': {
			return (await client.call('retry', {names, ...delayParams(options, now)})).results;
		}

		case 'fail': {
			return (await client.call('fail', {names, ...(options.reason === undefined ? {} : {reason: options.reason})})).results;
		}

		case 'cancel':
		case 'pause':
		case 'resume': {
			return (await client.call(action, {names})).results;
		}
	}
}

const finished = new Set(['completed', 'failed', 'fatal', 'stopped']);

/** Waits for every accepted cancel or fail to reach a final state, and reports that state. */
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
	const now = Date.now();
	try {
		// Checked before connecting: a bad --at is a usage error with or without a daemon.
		delayParams(options, now);
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	return withClient(
		options,
		deps,
		async client => {
			const sent = await request(client, action, names, options, now);
			const results = stopping.has(action) && options.wait !== false ? await settle(client, sent) : sent;
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
	if (stopping.has(action)) {
		command.option('--no-wait', 'return at once instead of waiting for the jobs to stop');
	}

	if (action === 'retry') {
		command.option('--delay <duration>', 'put them back now, but start them no sooner than this from now (30s, 5m, 2h)');
		command.option('--at <time>', 'put them back now, but start them no sooner than this time: 2026-12-05T03:00 (local) or with Z or +01:00');
	}

	if (action === 'fail') {
		command.option('--reason <text>', 'why, recorded in their history (tm history ID)');
	}

	command.action(async (ids: string[], options: JobActionOptions, cmd: Command) => {
		done(await runJobAction(action, ids, {...cmd.optsWithGlobals(), ...options}, deps));
	});
}
