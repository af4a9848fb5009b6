/**
 * `tm show ID|NAME [--json]`: everything about one task, as the daemon's `describe` document:
 * its spec, state and cause, last exit, the record's times, its limits and where its logs go.
 */
import type {Command} from 'commander';
import {cpuText, sizeText} from '../core/capacity.js';
import {configDuration} from '../core/durations.js';
import type {TaskDetail} from '../core/ipc/methods.js';
import {shortBytes} from '../core/sizes.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {formatDuration, table} from './format.js';
import {printJson} from './output.js';

const NONE = '-';
const time = (iso: string | null): string => (iso === null ? NONE : iso.replace('T', ' ').replace('Z', ''));
const duration = (ms: number | null): string => (ms === null ? NONE : configDuration(ms));

function limitsText({limits}: TaskDetail): string {
	const stuck = limits.stuck && `CPU below ${limits.stuck.cpuBelowPercent}% for ${configDuration(limits.stuck.forMs)}`;
	return [
		`max runtime ${duration(limits.maxRuntimeMs)}`,
		`max memory ${limits.maxMemory === null ? NONE : shortBytes(limits.maxMemory)}`,
		`max cpu ${(limits.maxCpu ?? null) === null ? NONE : String(limits.maxCpu)}`,
		`watchdog ${duration(limits.watchdogMs)}`,
		`stuck ${stuck ?? NONE}`,
	].join(', ');
}

/** `memory 2G, CPUs 1.5`, or - when it asks for nothing (an older daemon sends no requests). */
function requiresText({requires}: TaskDetail): string {
	const parts = [requires?.memory ? `memory ${sizeText(requires.memory)}` : '', requires?.cpu ? `CPUs ${cpuText(requires.cpu)}` : ''].filter(Boolean);
	return parts.length === 0 ? NONE : parts.join(', ');
}

/** `3 (scaled; config says 1)` after tm scale, else the config's count; null for a job. */
export function numprocsText({numprocs}: TaskDetail): string | null {
	if (numprocs === undefined || numprocs === null) {
		return null;
	}

	return numprocs.count === numprocs.configured ? String(numprocs.count) : `${numprocs.count} (scaled; config says ${numprocs.configured})`;
}

function runText(task: TaskDetail): string {
	if (task.startedAt === null) {
		return 'never ran';
	}

	const ran = Date.parse(task.endedAt ?? new Date().toISOString()) - Date.parse(task.startedAt);
	return `started ${time(task.startedAt)}, ${task.endedAt === null ? 'still running' : `ended ${time(task.endedAt)}`} (${formatDuration(ran)})`;
}

/** The detail as `field  value` lines, in the order a person reads a task. */
export function showRows(task: TaskDetail): string[][] {
	const exit = task.lastExit && `${task.lastExit.signal ?? `exit ${task.lastExit.code}`} at ${time(task.lastExit.at)}`;
	const after = Object.entries(task.dependsOn).map(([name, condition]) => `${name} (${condition})`);
	const numprocs = numprocsText(task);
	return [
		['task', `${task.id}${task.name === task.id ? '' : ` (${task.name})`}, ${task.kind === 'job' ? 'a job' : `program ${task.program}`}`],
		...(task.label === undefined ? [] : [['label', task.label]]),
		...(numprocs === null ? [] : [['numprocs', numprocs]]),
		['state', `${task.state}: ${task.reason}`],
		// A delayed job: when it may start, and how long until then.
		['eligible', task.eligibleAt === null ? NONE : `${time(task.eligibleAt)} (in ${formatDuration(Math.max(0, Date.parse(task.eligibleAt) - Date.now()))})`],
		['cause', task.cause],
		['want', task.want],
		['pid', task.pid === null ? NONE : String(task.pid)],
		['command', task.cmd],
		['argv', JSON.stringify(task.argv)],
		['cwd', task.cwd],
		['user', task.user ?? NONE],
		['created', time(task.createdAt)],
		['last run', runText(task)],
		['last exit', exit ?? NONE],
		['attempt', `${task.attempt} (restarts ${task.restarts}, failed starts ${task.failures} of ${task.maxRetries} allowed)`],
		['limits', limitsText(task)],
		['requires', requiresText(task)],
		['stop', `${task.stopsignal}, SIGKILL after ${configDuration(task.stoptimeMs)}`],
		['restart', `${task.autorestart} (expected exit codes ${task.exitcodes.join(', ')})`],
		['priority', String(task.priority)],
		['after', after.length === 0 ? NONE : after.join(', ')],
		['schedule', task.schedule ?? NONE],
		['stdout', task.logs.stdout],
		['stderr', task.logs.stderr],
	];
}

export async function runShow(name: string, options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(
		options,
		deps,
		async client => {
			const detail = await client.call('describe', {name});
			if (options.json) {
				printJson(deps.io, detail);
			} else {
				deps.io.out(table(['FIELD', 'VALUE'], showRows(detail)).split('\n').slice(1).join('\n'));
			}

			return 0;
		},
		{name},
	);
}

export function registerShow(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('show')
		.description('everything about one task: spec, state, cause, last exit, times, limits, log files')
		.argument('<name>', 'a task id, or a name that means one task')
		.action(async (name: string, _options: GlobalOptions, command: Command) => {
			done(await runShow(name, command.optsWithGlobals(), deps));
		});
}
