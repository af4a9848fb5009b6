/**
 * The executable's start-up pages: what the daemon's start (or a reload) read once from the 112 MB
 * executable stays mapped, and counted in its RSS, until memory runs short. A short while after
 * such a burst, those clean read-only pages go back to the kernel (`pageOutExecutable` in
 * native/spawn.c); whatever is needed again is read back from the page cache. Measured with 100
 * programs: RSS 84 MiB → 52 MiB, of which 20 MiB file pages come back with use (`bench/growth.ts`).
 * TM_PAGEOUT=0 keeps them.
 */
import type {Clock, TimerHandle} from './clock.js';
import {tmAddon} from './native-addon.js';

/** How long after the last burst of work the pages go back. */
export const settleMs = 3000;

export class StartupPages {
	readonly #clock: Clock;
	#timer: TimerHandle | null = null;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	/** A burst of work (start-up, a reload) is over: release its pages once things stay quiet. */
	settle(): void {
		if (process.env['TM_PAGEOUT'] === '0') {
			return;
		}

		this.#timer?.cancel();
		this.#timer = this.#clock.at(this.#clock.now() + settleMs, () => {
			this.#timer = null;
			// Nothing a user acts on: not logged (the RSS in tm status shows it). The arenas' free
			// blocks go back too (issue 22: the daemon's idle RSS).
			tmAddon()?.pageOutExecutable();
			tmAddon()?.trimMalloc();
		});
	}

	stop(): void {
		this.#timer?.cancel();
		this.#timer = null;
	}
}
