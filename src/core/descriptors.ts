/**
 * The daemon out of file descriptors, kept answerable. Task pipes and log files are what a
 * daemon with many tasks spends its descriptors on; spare ones (process/fd-reserve.ts) are held
 * back from them. When a start finds none left (EMFILE, ENFILE), or a start leaves not one more
 * to open, the daemon is short:
 *
 * - no task starts: the queue holds and tells every waiting task why (cause `descriptors`); the
 *   start that failed goes back to the queue and does not count as a failed start;
 * - once no start is in flight, the spares are closed: the control socket (`tm status`,
 *   `tm down`), the sampler and the daemon log have descriptors to work with;
 * - once a second it tries to take the spares back with room for a start beside them; when it
 *   can, starts go on.
 *
 * The first time, one warning names the limit and the fix.
 */
import type {Clock, TimerHandle} from './clock.js';
import {messageOf} from './errors.js';
import type {TaskEvent} from './machine.js';
import {shortageOf, type SpareDescriptors} from './process/fd-reserve.js';

export type DescriptorsDeps = {
	clock: Clock;
	spares: SpareDescriptors;
	/** `ulimit -n`, or null when unknown. */
	limit: number | null;
	/** Descriptors that must be free beside the spares before starts go on (a start takes up to 8). */
	room?: number;
	/** The daemon ran short (`first`: the first time since it started), or has descriptors again. */
	onShort(message: string, first: boolean): void;
	onAvailable(message: string): void;
};

/** What the reserve needs of the engine. */
export type DescriptorWatch = {
	/** Whether a start is in flight: its pipes may still be made, from descriptors the spares would free. */
	startsInFlight(): boolean;
	/** Starts were held or may go on: the queue runs again. */
	changed(): void;
};

type Shortage = 'EMFILE' | 'ENFILE';

const checkEveryMs = 1000;

export class Descriptors {
	readonly #deps: DescriptorsDeps;
	#short: Shortage | null = null;
	#watch: DescriptorWatch = {startsInFlight: () => false, changed: () => {}};
	#timer: TimerHandle | null = null;
	#warned = false;
	#running = false;

	constructor(deps: DescriptorsDeps) {
		this.#deps = deps;
	}

	watch(watch: DescriptorWatch): void {
		this.#watch = watch;
	}

	/**
	 * Takes the spares (short from the start when it cannot) and checks once a second.
	 * @throws what opening /dev/null threw when it was not for want of descriptors (nothing runs then).
	 */
	start(): void {
		const taken = this.#deps.spares.take();
		this.#running = true;
		if (!taken) {
			this.#enterShort('EMFILE');
		}

		this.#arm();
	}

	/** Stops checking and closes the spares. */
	stop(): void {
		this.#running = false;
		this.#timer?.cancel();
		this.#timer = null;
		this.#deps.spares.release();
	}

	/** Why no task may start now, or null. */
	get held(): string | null {
		return this.#short === null ? null : waitReason(this.#short, this.#deps.limit);
	}

	/** A start failed with `message`: the reason it waits with when that was for want of descriptors, else null. */
	starved(message: string): string | null {
		const shortage = shortageOf(message);
		if (shortage === null || !this.#running) {
			return null;
		}

		this.#enterShort(shortage);
		return this.held;
	}

	/** A start is over, started or not: one that took the last descriptor makes the daemon short. */
	startEnded(): void {
		if (!this.#running) {
			return;
		}

		if (this.#short !== null) {
			this.#releaseWhenIdle();
			return;
		}

		const shortage = this.#deps.spares.probe();
		if (shortage !== null) {
			this.#enterShort(shortage);
		}
	}

	#arm(): void {
		this.#timer = this.#deps.clock.at(this.#deps.clock.now() + checkEveryMs, () => {
			this.#check();
			if (this.#running) {
				this.#arm();
			}
		});
	}

	#check(): void {
		const {spares, room = 8} = this.#deps;
		if (this.#short === null) {
			this.startEnded();
		} else if (spares.held) {
			this.#releaseWhenIdle();
		} else if (takeQuietly(spares, room)) {
			this.#short = null;
			this.#deps.onAvailable('file descriptors are free again: task starts go on');
			this.#watch.changed();
		}
	}

	#enterShort(shortage: Shortage): void {
		if (this.#short !== null) {
			return;
		}

		this.#short = shortage;
		this.#deps.onShort(shortageText(shortage, this.#deps.limit), !this.#warned);
		this.#warned = true;
		this.#releaseWhenIdle();
		this.#watch.changed();
	}

	#releaseWhenIdle(): void {
		if (this.#deps.spares.held && !this.#watch.startsInFlight()) {
			this.#deps.spares.release();
		}
	}
}

/**
 * The event of a start that failed (`failure`: its message, or what was thrown): when `starved`
 * says it was for want of descriptors, the task waits with that reason and its log files are
 * closed while it waits (they are descriptors too); else a failed start.
 */
export function startFailure(failure: unknown, starved: ((message: string) => string | null) | undefined, log: {close(): void}, permanent = false): TaskEvent {
	const message = typeof failure === 'string' ? failure : messageOf(failure);
	const reason = starved?.(message) ?? null;
	if (reason === null) {
		return permanent ? {type: 'spawn-failed', message, permanent} : {type: 'spawn-failed', message};
	}

	try {
		log.close();
	} catch {
		// A listener's failure on the last partial line is no reason to count the start as failed.
	}

	return {type: 'spawn-failed', message: reason, wait: true};
}

function takeQuietly(spares: SpareDescriptors, room: number): boolean {
	try {
		return spares.take(room);
	} catch {
		// /dev/null gone from under a running daemon: stay short, the wait says why.
		return false;
	}
}

/** How many spares a daemon under `limit` keeps: an eighth of it, 4 to 16. */
export function spareCount(limit: number | null): number {
	return limit === null ? 16 : Math.min(16, Math.max(4, Math.floor(limit / 8)));
}

function waitReason(shortage: Shortage, limit: number | null): string {
	if (shortage === 'ENFILE') {
		return "waiting for file descriptors: the system's file table is full (fs.file-max)";
	}

	return `waiting for file descriptors: ${limit === null ? 'the open-file limit' : `limit ${limit}`} reached; raise LimitNOFILE / ulimit -n`;
}

function shortageText(shortage: Shortage, limit: number | null): string {
	const what =
		shortage === 'ENFILE'
			? "the system's file table is full (ENFILE); raise fs.file-max (sysctl) or stop other programs"
			: `the limit of ${limit ?? '?'} open files is reached (EMFILE); raise LimitNOFILE= in the systemd unit, or ulimit -n before tm up`;
	return `out of file descriptors: ${what}. Task starts wait until descriptors free up; tm status and tm down still answer`;
}
