/**
 * `tm status [NAME…] [--json]`: the tasks, their state, pid, uptime, CPU and memory (of the
 * whole process tree, as last sampled), restarts, heartbeat age and what they last said.
 */
import type {Command} from 'commander';
import type {ClusterDoc, DaemonDoc, DiskDoc, TaskStatus} from '../core/ipc/methods.js';
import {delayedUntil} from '../core/durations.js';
import {heartbeatLevel, type HeartbeatLevel} from '../core/liveness.js';
import {finishedStates, liveStates} from '../core/model.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {shortBytes, shortPercent} from '../core/sizes.js';
import {coloured, formatDuration, table, useColour, type Paint} from './format.js';
import {printJson} from './output.js';

function since(iso: string | null, now: number): string {
	return iso === null ? '-' : formatDuration(now - Date.parse(iso));
}

/** The heartbeat's age against what is expected: late after one `heartbeat_interval`, overdue at the watchdog. */
export function heartbeatOf(task: TaskStatus, now: number): {text: string; level: HeartbeatLevel} {
	if (task.heartbeatAt === null || !liveStates.has(task.state)) {
		return {text: '-', level: 'none'};
	}

	const age = now - Date.parse(task.heartbeatAt);
	const level = heartbeatLevel(age, task.heartbeatIntervalMs, task.watchdogMs);
	return {text: `${formatDuration(age)}${level === 'late' || level === 'overdue' ? ` ${level}` : ''}`, level};
}

const heartbeatColumn = 7;

/** The INFO column with a job's label (`tm run --label`) before it. */
const labelled = (label: string | undefined, info: string): string => (label === undefined ? info : `${label} — ${info}`);

export function statusRow(task: TaskStatus, now: number): string[] {
	const detail =
		task.state === 'backoff' && task.backoffUntil
			? `retry in ${formatDuration(Math.max(0, Date.parse(task.backoffUntil) - now))}`
			: task.eligibleAt
				? delayedUntil(Date.parse(task.eligibleAt), now)
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
		heartbeatOf(task, now).text,
		// A finished task says how it ended, not the last STATUS= its process sent; a job's label comes first.
		labelled(task.label, finishedStates.has(task.state) ? task.reason : (task.status ?? detail)),
	];
}

/** What the daemon cannot write, for under the table (stderr: the table stays the table). */
export function diskLine(disk: DiskDoc | undefined, now: number): string | null {
	// An older daemon sends no `disk`.
	if (disk === undefined || (disk.ok && disk.unsaved === 0)) {
		return null;
	}

	const kept = disk.unsaved > 0 ? `; ${disk.unsaved} rows of state wait in memory for tm.db` : '';
	const since = disk.since === null ? '' : ` for ${formatDuration(Math.max(0, now - Date.parse(disk.since)))}`;
	return `tm: ${disk.reason ?? 'tm.db not written yet'}${since}${kept}\n`;
}

/** Under the table, only when something moved them: the slots (tm scale --slots, an adaptive pool) and scaled programs. */
export function scaleLines(daemon: DaemonDoc): string {
	const lines: string[] = [];
	const {slots, scaled = []} = daemon;
	if (slots !== undefined && slots.mode !== 'config') {
		const configured = slots.configured;
		const config = configured === null || typeof configured === 'number' ? `config says ${configured ?? 'no limit'}` : `${configured.min} to ${configured.max}`;
		const why = slots.mode === 'adaptive' && slots.reason !== null ? `: ${slots.reason}` : '';
		lines.push(`slots ${slots.max ?? 'no limit'}, ${slots.holding} held (${slots.mode === 'adaptive' ? 'adaptive' : 'tm scale'}; ${config})${why}\n`);
	}

	for (const {program, numprocs, configured} of scaled) {
		lines.push(`${program} runs ${numprocs} instances (tm scale; config says ${configured})\n`);
	}

	return lines.length > 0 ? `\n${lines.join('')}` : '';
}

/** The cluster this daemon is a member of, when it is one: a line under the table (stderr when PostgreSQL cannot be reached). */
export function clusterLine(cluster: ClusterDoc | undefined, now: number): {text: string; problem: boolean} | null {
	if (cluster === undefined) {
		return null;
	}

	if (cluster.reachable) {
		return {text: `cluster: ${cluster.name} on ${cluster.postgres}, ${cluster.claims}/${cluster.capacity} cluster jobs held\n`, problem: false};
	}

	const since = cluster.since === null ? '' : ` for ${formatDuration(Math.max(0, now - Date.parse(cluster.since)))}`;
	const kept = cluster.unsaved > 0 ? `; ${cluster.unsaved} outcomes wait in memory` : '';
	return {text: `tm: cluster unreachable${since}: ${cluster.error ?? 'not joined'} (${cluster.name}; no new claims; held jobs run on for the lease${kept})\n`, problem: true};
}

export async function runStatus(names: string[], options: GlobalOptions, deps: Deps): Promise<number> {
	if (options.host !== undefined || deps.env['TM_HOST']) {
		const {runStatusHosts} = await import('./status-hosts.js');
		const code = await runStatusHosts(names, options, deps);
		if (code !== null) {
			return code;
		}
	}

	return withClient(options, deps, async client => {
		const doc = await client.call('status', {names});
		if (options.json) {
			printJson(deps.io, doc);
		} else {
			const now = Date.now();
			const colour = useColour(deps.io.isTTY, deps.env);
			const paint: Paint = (row, column, text) => {
				const level = column === heartbeatColumn && colour ? heartbeatOf(doc.tasks[row]!, now).level : 'none';
				return level === 'late' ? coloured(text, 'yellow') : level === 'overdue' ? coloured(text, 'red') : text;
			};
			deps.io.out(table(['NAME', 'STATE', 'PID', 'UPTIME', 'CPU', 'MEM', 'RESTARTS', 'HEARTBEAT', 'INFO'], doc.tasks.map(t => statusRow(t, now)), paint));
			deps.io.out(names.length === 0 ? scaleLines(doc.daemon) : '');
			const problem = diskLine(doc.daemon.disk, now);
			if (problem !== null) {
				deps.io.err(problem);
			}

			const cluster = clusterLine(doc.daemon.cluster, now);
			if (cluster !== null) {
				if (cluster.problem) {
					deps.io.err(cluster.text);
				} else {
					deps.io.out(cluster.text);
				}
			}
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
