/**
 * The daemon as the reaper of everything its tasks leave behind. It makes itself a child
 * subreaper (and as PID 1 it is the reaper anyway), so a process whose parent exits, such as the
 * daemon a program double-forked, is re-parented to tm instead of to init. Such adopted children
 * are reaped here (never a child tm started itself: those are waited for by their own pid, by the
 * spawn addon or by libuv) and, while alive, found by the task their environment names.
 */
import type {ChildProcess} from 'node:child_process';
import {subscribe} from 'node:diagnostics_channel';
import {readFileSync} from 'node:fs';
import os from 'node:os';
import {tmAddon} from '../native-addon.js';
import {isNativeChild} from './native-spawn.js';
import {tmVariables} from './unrecorded.js';

/**
 * Every child started through node:child_process in this process, tm's or a library's (a test's
 * browser beside a daemon run in process), until libuv has reaped it: libuv waits for each by its
 * pid, and a reaper that took one first would leave its owner waiting for an exit forever.
 */
const nodeChildren = new Set<ChildProcess>();
subscribe('child_process', message => {
	const child = (message as {process: ChildProcess}).process;
	nodeChildren.add(child);
	// 'close' also ends a spawn that failed (no 'exit' then); no 'error' listener, which would
	// keep a library's unhandled error from surfacing.
	const forget = (): void => {
		nodeChildren.delete(child);
	};

	child.once('exit', forget);
	child.once('close', forget);
});

function nodeChildPids(): Set<number | undefined> {
	return new Set([...nodeChildren].map(child => child.pid));
}

const errnoNames = new Map<number, string>(Object.entries(os.constants.errno).map(([name, number]) => [number, name]));

/**
 * Becomes the reaper of the processes tasks leave behind; null, or why not (then a double-forked
 * program escapes to init, as under supervisord). Reaps on every SIGCHLD from then on.
 */
export function becomeSubreaper(): string | null {
	const addon = tmAddon();
	if (addon === null) {
		return 'tm\'s spawn addon is not loaded';
	}

	const errno = addon.setChildSubreaper();
	if (errno !== 0) {
		return `prctl(PR_SET_CHILD_SUBREAPER): ${errnoNames.get(errno) ?? errno}`;
	}

	if (!process.listeners('SIGCHLD').includes(reapAdopted)) {
		process.on('SIGCHLD', reapAdopted);
	}

	return null;
}

/**
 * Pids of the main thread's children: an orphan is re-parented to the first live thread of its
 * reaper, the main thread (children the spawn addon started on a worker thread are listed there).
 */
function childrenOfSelf(): number[] {
	let text: string;
	try {
		text = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8');
	} catch {
		return [];
	}

	return text.split(' ').filter(word => word !== '').map(Number);
}

/** The state letter of a pid, or null when it is gone. */
function statOf(pid: number): {state: string} | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return {state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)};
	} catch {
		return null;
	}
}

/** Children tm did not start itself: processes re-parented to it. */
function adoptedChildren(): number[] {
	const libuvs = nodeChildPids();
	return childrenOfSelf().filter(pid => !isNativeChild(pid) && !libuvs.has(pid));
}

/** Reaps every adopted child that has exited; returns how many. */
export function reapAdopted(): number {

	const addon = tmAddon();
	const zombies = adoptedChildren().filter(pid => statOf(pid)?.state === 'Z');
	if (addon === null || zombies.length === 0) {
		return 0;
	}

	return addon.reap(Int32Array.from(zombies)).length / 3;
}

/** The task attempt a process was started for (its TM_* environment), when it was one of ours. */
export type Marker = {socket: string; taskId: string; attempt: string};

/**
 * Adopted children, still alive, started for the task attempt `marker` names: once its main
 * process has exited, what it left behind (forked into the background, in its group or in a
 * session of its own; one that is about to call setsid counts the same, so the answer does not
 * depend on who ran first).
 */
export function escapedFrom(marker: Marker): number[] {
	const bytes = Buffer.from(`TM_SOCKET=${marker.socket}\0`);
	return adoptedChildren().filter(pid => {
		const variables = statOf(pid)?.state === 'Z' ? null : tmVariables(pid, bytes);
		return variables?.get('TM_TASK_ID') === marker.taskId && variables.get('TM_ATTEMPT') === marker.attempt;
	});
}

/**
 * Adopted children, still alive, by the task attempt that started them (`id@attempt`): the
 * orphans a running task made (a double fork), whose CPU and memory count as the task's.
 */
export function adoptedByTask(socket: string): Map<string, number[]> {
	const bytes = Buffer.from(`TM_SOCKET=${socket}\0`);
	const found = new Map<string, number[]>();
	for (const pid of adoptedChildren()) {
		const variables = statOf(pid)?.state === 'Z' ? null : tmVariables(pid, bytes);
		const taskId = variables?.get('TM_TASK_ID');
		if (variables?.get('TM_SOCKET') === socket && taskId !== undefined) {
			const key = `${taskId}@${variables.get('TM_ATTEMPT') ?? ''}`;
			found.set(key, [...(found.get(key) ?? []), pid]);
		}
	}

	return found;
}
