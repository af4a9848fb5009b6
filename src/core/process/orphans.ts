/**
 * Processes a previous daemon left running, as a process handle a Supervisor can hold: the
 * machine stops them like its own (stop signal to each process group, SIGKILL at stoptime), and
 * this handle tells it when they are gone. Not our children, so no SIGCHLD: whether they still
 * run is read from /proc. A pid is only signalled while its start time still matches the one
 * recorded at spawn, so a reused pid is never touched.
 */
import type {Clock, TimerHandle} from '../clock.js';
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

/** How often an orphan is looked for in /proc while it is being stopped. */
const pollMs = 20;

/** True while the recorded process still runs (same pid, same start time). */
export function isOrphanAlive(orphan: Pick<Orphan, 'pid' | 'pidStart'>): boolean {
	const start = runningStartTime(orphan.pid);
	return start !== null && orphan.pidStart !== null && start === orphan.pidStart;
}

/**
 * The orphans that still run. Of those whose leader is gone, what is left in their group is
 * killed (a free pid leads no one else's group).
 */
export function stillRunning(orphans: Orphan[]): Orphan[] {
	const alive = orphans.filter(orphan => isOrphanAlive(orphan));
	for (const orphan of orphans) {
		if (!alive.includes(orphan) && runningStartTime(orphan.pid) === null) {
			signalProcess(-orphan.pid, 'SIGKILL');
		}
	}

	return alive;
}

/**
 * The orphans of one task as one process: `signal` reaches every group still led by its
 * recorded process; `onGone` is called once none runs, after what was left in their groups is
 * killed (a free pid cannot lead anyone else's group).
 */
export class AdoptedProcess {
	readonly #orphans: Orphan[];
	readonly #clock: Clock;
	readonly #onGone: () => void;
	#timer: TimerHandle | null = null;
	#killed = false;

	constructor(orphans: Orphan[], clock: Clock, onGone: () => void) {
		this.#orphans = orphans;
		this.#clock = clock;
		this.#onGone = onGone;
		this.#watch();
	}

	/** The process the task's state names (the first orphan's). */
	get pid(): number | null {
		return this.#orphans[0]?.pid ?? null;
	}

	/** Whether SIGKILL had to be sent. */
	get killed(): boolean {
		return this.#killed;
	}

	signal(signal: string): boolean {
		this.#killed ||= signal === 'SIGKILL';
		const alive = this.#orphans.filter(orphan => isOrphanAlive(orphan));
		for (const orphan of alive) {
			signalProcess(-orphan.pid, signal);
		}

		return alive.length > 0;
	}

	/** The machine freezes only its own runs; for the type's sake, as signals. */
	freeze(frozen: boolean): boolean {
		return this.signal(frozen ? 'SIGSTOP' : 'SIGCONT');
	}

	/** Stops watching (the daemon is going away). */
	close(): void {
		this.#timer?.cancel();
		this.#timer = null;
	}

	#watch(): void {
		this.#timer = this.#clock.at(this.#clock.now() + pollMs, () => {
			this.#timer = null;
			if (this.#orphans.some(orphan => isOrphanAlive(orphan))) {
				this.#watch();
				return;
			}

			for (const orphan of this.#orphans) {
				signalProcess(-orphan.pid, 'SIGKILL');
			}

			this.#onGone();
		});
	}
}
