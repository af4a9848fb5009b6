/**
 * `tm tasks [--state S]… [--json]`: the live list of tasks, jobs and programs alike, with what a
 * queue needs: priority, attempt, progress and why each one is where it is (the cause's stable
 * word, as `--json` has it, and the reason in words).
 */
import type {Command} from 'commander';
import {didYouMean} from '../core/config/suggest.js';
import {delayedUntil} from '../core/durations.js';
import {TmError} from '../core/errors.js';
import type {TaskStatus} from '../core/ipc/methods.js';
import {stateKinds, type StateKind} from '../core/model.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {formatDuration, table} from './format.js';
import {printJson, reportError} from './output.js';

export type TasksOptions = GlobalOptions & {state?: string[]; cluster?: boolean};

/** `--state running --state queued` or `--state running,queued`; an unknown state is E_USAGE. */
export function parseStates(values: string[]): StateKind[] {
	const states: StateKind[] = [];
	for (const word of values.flatMap(value => value.split(',')).map(w => w.trim().toLowerCase())) {
		if (!(stateKinds as readonly string[]).includes(word)) {
			throw new TmError('E_USAGE', `--state: unknown state "${word}"${didYouMean(word, stateKinds)}; the states are ${stateKinds.join(', ')}`);
		}

		if (!states.includes(word as StateKind)) {
			states.push(word as StateKind);
		}
	}

	return states;
}

export const tasksHeader = ['ID', 'NAME', 'STATE', 'CAUSE', 'PID', 'PRIORITY', 'ATTEMPT', 'PROGRESS', 'REASON'];

/**
 * A backoff's reason with the time left: the machine's reason ends with the whole delay
 * (`exit 1; retry 1/3 in 2s`), which the countdown replaces rather than follows.
 */
function backoffReason(reason: string, left: string): string {
	const delay = / in \d[\dms.]*$/;
	return delay.test(reason) ? reason.replace(delay, ` in ${left}`) : `${reason}; retry in ${left}`;
}

export function tasksRow(task: TaskStatus, now: number): string[] {
	const progress = task.progress === null ? '-' : `${task.progress}%${task.progressText ? ` ${task.progressText}` : ''}`;
	const reason =
		task.state === 'backoff' && task.backoffUntil
			? backoffReason(task.reason, formatDuration(Math.max(0, Date.parse(task.backoffUntil) - now)))
			: task.eligibleAt
				? delayedUntil(Date.parse(task.eligibleAt), now)
				: task.reason;
	// A job's name is its program (`--name`, else its id); a program's instance is named by its id.
	const name = task.kind === 'job' ? task.program : task.name;
	return [task.id, name, task.state, task.cause, task.pid === null ? '-' : String(task.pid), String(task.priority), String(task.attempt), progress, reason];
}

export async function runTasks(options: TasksOptions, deps: Deps): Promise<number> {
	let states: StateKind[] | undefined;
	try {
		states = options.state && options.state.length > 0 ? parseStates(options.state) : undefined;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	return withClient(options, deps, async client => {
		const doc = await client.call('tasks', {...(states ? {states} : {}), ...(options.cluster === true ? {cluster: true} : {})});
		if (options.json) {
			printJson(deps.io, doc);
		} else if (options.cluster === true) {
			// The cluster's jobs: where each runs instead of a pid.
			const now = Date.now();
			const header = tasksHeader.map(column => (column === 'PID' ? 'HOST' : column));
			deps.io.out(table(header, doc.tasks.map(task => tasksRow({...task, pid: null}, now).map((cell, i) => (tasksHeader[i] === 'PID' ? (task.host ?? '-') : cell)))));
		} else {
			const now = Date.now();
			deps.io.out(table(tasksHeader, doc.tasks.map(task => tasksRow(task, now))));
		}

		return 0;
	});
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerTasks(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('tasks')
		.description('the live list of tasks and jobs: state and its cause, priority, attempt, progress, reason')
		.option('--state <state>', `only tasks in this state (repeatable, or comma-separated): ${stateKinds.join(', ')}`, collect)
		.option('--cluster', "the cluster's jobs (taskmaster.cluster), from PostgreSQL, with the member that holds each")
		.action(async (options: TasksOptions, command: Command) => {
			done(await runTasks({...command.optsWithGlobals(), ...options}, deps));
		});
}
