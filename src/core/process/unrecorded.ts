/**
 * Task processes that no run row records. A daemon killed between a start and the write that
 * records it (the end of that pass of the event loop) leaves such a process behind, and the next
 * daemon would start the task a second time beside it. Every task leads its own session and
 * carries `TM_SOCKET`, `TM_TASK_ID` and `TM_ATTEMPT` in its environment, so the next daemon on
 * the same socket finds them in /proc (those of its own user; all of them as root).
 */
import {readdirSync, readFileSync} from 'node:fs';
import {sessionLeaderStartTime} from './proc.js';

export type TaskProcess = {pid: number; pidStart: string; taskId: string; attempt: number};

const NUL = 0;

/** `TM_*` variables of a process's initial environment, or null when it is not readable. */
export function tmVariables(pid: number, marker: Buffer): Map<string, string> | null {
	let environ: Buffer;
	try {
		environ = readFileSync(`/proc/${pid}/environ`);
	} catch {
		return null;
	}

	// Most processes are not ours: one search of the bytes before any parsing.
	if (!environ.includes(marker)) {
		return null;
	}

	const variables = new Map<string, string>();
	for (let start = 0; start < environ.length; ) {
		let end = environ.indexOf(NUL, start);
		end = end === -1 ? environ.length : end;
		if (environ[start] === 0x54 && environ[start + 1] === 0x4d && environ[start + 2] === 0x5f) {
			// TM_…
			const entry = environ.toString('utf8', start, end);
			const equals = entry.indexOf('=');
			if (equals > 0) {
				variables.set(entry.slice(0, equals), entry.slice(equals + 1));
			}
		}

		start = end + 1;
	}

	return variables;
}

/**
 * Session leaders whose environment says a daemon on `socketPath` started them as a task, with
 * the task and attempt they were started for. `self` (the daemon) is never one.
 */
export function findTaskProcesses(socketPath: string, self: number = process.pid): TaskProcess[] {
	let names: string[];
	try {
		names = readdirSync('/proc');
	} catch {
		return [];
	}

	const marker = Buffer.from(`TM_SOCKET=${socketPath}\0`);
	const found: TaskProcess[] = [];
	for (const name of names) {
		const pid = Number(name);
		if (!Number.isInteger(pid) || pid <= 0 || pid === self) {
			continue;
		}

		const variables = tmVariables(pid, marker);
		const taskId = variables?.get('TM_TASK_ID');
		const attempt = Number(variables?.get('TM_ATTEMPT'));
		if (variables?.get('TM_SOCKET') !== socketPath || taskId === undefined || !Number.isInteger(attempt)) {
			continue;
		}

		const pidStart = sessionLeaderStartTime(pid);
		if (pidStart !== null) {
			found.push({pid, pidStart, taskId, attempt});
		}
	}

	return found;
}

/**
 * Of the task processes found, those a previous daemon started and never recorded: started
 * after that daemon itself (`previousStart`, its start time in the same clock ticks; null when
 * unknown or after a reboot: then none), for an attempt that has no run row. A process its task
 * left in a session of its own after a recorded run is not one (that run has its row).
 */
export function unrecordedStarts(found: TaskProcess[], previousStart: string | null, hasRun: (taskId: string, attempt: number) => boolean): TaskProcess[] {
	if (previousStart === null || !/^\d+$/.test(previousStart)) {
		return [];
	}

	const after = BigInt(previousStart);
	return found.filter(process => BigInt(process.pidStart) >= after && !hasRun(process.taskId, process.attempt));
}
