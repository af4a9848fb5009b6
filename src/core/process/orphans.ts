/**
 * Stopping processes a previous daemon left running: by process group, with the task's stop
 * signal, then SIGKILL after its stoptime. A pid is only signalled while its start time still
 * matches the one recorded at spawn, so a reused pid is never touched.
 */
import type {Clock} from '../clock.js';
import {signalProcess} from './native-spawn.js';
import {runningStartTime} from './proc.js';

export type Orphan = {
	pid: number;
	pidStart: string | null;
	stopsignal: string;
	stoptimeMs: number;
	/** Found in /proc, not in a run row: started by a daemon that died before recording it (unrecorded.ts). */
	unrecorded?: boolean;
};

function signalGroup(pid: number, signal: string): void {
	signalProcess(-pid, signal);
}

function sleep(clock: Clock, ms: number): Promise<void> {
	return new Promise(resolve => clock.at(clock.now() + ms, resolve));
}

/** True while the recorded process still runs (same pid, same start time). */
export function isOrphanAlive(orphan: Pick<Orphan, 'pid' | 'pidStart'>): boolean {
	const start = runningStartTime(orphan.pid);
	return start !== null && orphan.pidStart !== null && start === orphan.pidStart;
}

/**
 * Stops an orphan and resolves with how it ended. When the main process is already gone, any
 * processes left in its group are killed (a free pid cannot lead anyone else's group).
 */
export async function stopOrphan(orphan: Orphan, clock: Clock): Promise<'not-running' | 'stopped' | 'killed'> {
	if (!isOrphanAlive(orphan)) {
		if (runningStartTime(orphan.pid) === null) {
			signalGroup(orphan.pid, 'SIGKILL');
		}

		return 'not-running';
	}

	signalGroup(orphan.pid, orphan.stopsignal);
	const deadline = clock.now() + orphan.stoptimeMs;
	while (isOrphanAlive(orphan) && clock.now() < deadline) {
		await sleep(clock, 20);
	}

	if (!isOrphanAlive(orphan)) {
		signalGroup(orphan.pid, 'SIGKILL');
		return 'stopped';
	}

	signalGroup(orphan.pid, 'SIGKILL');
	while (isOrphanAlive(orphan)) {
		await sleep(clock, 20);
	}

	return 'killed';
}
