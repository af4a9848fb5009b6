/**
 * A store React reads through `useSyncExternalStore`: a version number and its listeners,
 * notified at most once per `minGapMs`, so a burst of events or log lines costs one render and
 * nothing is bumped when nothing changed. Stores painted on one screen (`paintTogether`) take
 * each other's pending changes along when one notifies: one frame instead of two.
 */
import {after, type Clock, type TimerHandle} from './clock.js';

type Listener = () => void;

export class Versioned {
	version = 0;
	protected readonly clock: Clock;
	readonly #listeners = new Set<Listener>();
	#minGapMs: number;
	#timer: TimerHandle | null = null;
	#lastAt = Number.NEGATIVE_INFINITY;
	#partners: Versioned[] = [];

	constructor(minGapMs: number, clock: Clock) {
		this.#minGapMs = minGapMs;
		this.clock = clock;
	}

	subscribe = (listener: Listener): (() => void) => {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	};

	getVersion = (): number => this.version;

	/** Changes the shortest time between two notifications. */
	setMinGap(ms: number): void {
		this.#minGapMs = ms;
	}

	/** Something changed: listeners hear of it now, or once the gap since the last time has passed. */
	changed(): void {
		if (this.#timer !== null) {
			return;
		}

		const wait = Math.max(0, this.#lastAt + this.#minGapMs - this.clock.now());
		this.#timer = after(this.clock, wait, () => {
			this.#timer = null;
			this.flush();
		});
	}

	/** Notifies at once, and the partners that have a change waiting. */
	flush(): void {
		this.#notify();
		for (const partner of this.#partners) {
			if (partner.#timer !== null) {
				partner.#notify();
			}
		}
	}

	#notify(): void {
		this.#timer?.cancel();
		this.#timer = null;
		this.#lastAt = this.clock.now();
		this.version++;
		for (const listener of [...this.#listeners]) {
			listener();
		}
	}

	/** `a` and `b` are painted on one screen: whichever notifies takes the other's waiting change along. */
	static paintTogether(a: Versioned, b: Versioned): void {
		a.#partners.push(b);
		b.#partners.push(a);
	}

	dispose(): void {
		this.#timer?.cancel();
		this.#timer = null;
		this.#listeners.clear();
	}
}
