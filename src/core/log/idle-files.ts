/**
 * Task log files let go of their descriptors once their task has been quiet for a while (issue 22:
 * 10,000 idle programs would otherwise hold 20,000 files open for nothing). One timer for the
 * daemon, armed only while some file is open, looks only at the files that are.
 */
import type {Clock, TimerHandle} from '../clock.js';

/** A log whose files may be open: it closes them when nothing was written for `quietMs`. */
export type Resting = {restIfQuiet(now: number, quietMs: number): boolean};

/** How long a task's log stays open after its last output. */
export const quietMs = 5000;

export class IdleFiles {
	readonly #clock: Clock;
	readonly #quietMs: number;
	readonly #open = new Set<Resting>();
	#timer: TimerHandle | null = null;

	constructor(clock: Clock, quiet = quietMs) {
		this.#clock = clock;
		this.#quietMs = quiet;
	}

	/** Logs whose files are open now. */
	get size(): number {
		return this.#open.size;
	}

	/** `log` opened a file (or wrote to one): it is looked at from now on. */
	opened(log: Resting): void {
		this.#open.add(log);
		this.#arm();
	}

	/** `log` closed its files itself. */
	closed(log: Resting): void {
		this.#open.delete(log);
	}

	stop(): void {
		this.#timer?.cancel();
		this.#timer = null;
	}

	#arm(): void {
		if (this.#timer === null && this.#open.size > 0) {
			this.#timer = this.#clock.at(this.#clock.now() + this.#quietMs, () => {
				this.#timer = null;
				this.#sweep();
				this.#arm();
			});
		}
	}

	#sweep(): void {
		const now = this.#clock.now();
		for (const log of this.#open) {
			if (log.restIfQuiet(now, this.#quietMs)) {
				this.#open.delete(log);
			}
		}
	}
}
