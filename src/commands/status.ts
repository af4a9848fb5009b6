/**
 * `tm status [NAME…] [--json]`: the tasks, their state, pid, uptime, CPU and memory (of the
 * whole process tree, as last sampled), restarts, heartbeat age and what they last said.
 */
import type {Command} from 'commander';
import type {TaskStatus} from '../core/ipc/methods.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {shortBytes, shortPercent} from '../core/sizes.js';
import {formatDuration, table} from './format.js';
import {printJson} from './output.js';

function since(iso: string | null, now: number): string {
	return iso === null ? '-' : formatDuration(now - Date.parse(iso));
}

export function statusRow(task: TaskStatus, now: number): string[] {
	const detail =
		task.state === 'backoff' && task.backoffUntil
			? `retry in ${formatDuration(Math.max(0, Date.parse(task.backoffUntil) - now))}`
			: task.progress === null
				? task.reason
				: `${task.progress}%${task.progressText ? ` ${task.progressText}` : ''}`;
	return [
		task.name,
		task.state,
		task.pid === null ? '-' : String(task.pid),
		// Uptime of a live run only: a finished one keeps its startedAt beside an endedAt.
		since(task.endedAt === null ? task.startedAt : null, now),
		// Not sampled (no process, or not yet): a dash rather than a zero that was never measured.
		task.pid === null || task.cpu === null ? '-' : `${shortPercent(task.cpu)}%`,
		task.pid === null || task.memory === null ? '-' : shortBytes(task.memory),
		String(task.restarts),
		since(task.heartbeatAt, now),
		task.status ?? detail,
	];
}

export async function runStatus(names: string[], options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const doc = await client.call('status', {names});
		if (options.json) {
			printJson(deps.io, doc);
		} else {
			const now = Date.now();
			deps.io.out(table(['NAME', 'STATE', 'PID', 'UPTIME', 'CPU', 'MEM', 'RESTARTS', 'HEARTBEAT', 'INFO'], doc.tasks.map(t => statusRow(t, now))));
		}

		return 0;
	});
}

export function registerStatus(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('status')
		.description('show tasks: state, pid, uptime, cpu, memory, restarts, heartbeat')
		.argument('[names...]', 'tasks, programs or globs (default: all)')
		.action(async (names: string[], _options: GlobalOptions, command: Command) => {
			done(await runStatus(names, command.optsWithGlobals(), deps));
		});
}
