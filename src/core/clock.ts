/**
 * Time is an input. Every module that needs the time or a timer takes a `Clock`; this file is
 * the only place in `src/core` that touches `Date.now()` or `setTimeout`.
 */
import type {Millis} from './model.js';

export type TimerHandle = {cancel(): void};

export type Clock = {
	now(): Millis;
	/** Calls `callback` once at (or soon after) `at`. */
	at(at: Millis, callback: () => void): TimerHandle;
};

/** setTimeout's longest wait (about 24.8 days): a longer one fires at once, so a later time (a delayed job's) is waited for in steps. */
const longestTimeout = 2_147_483_647;

export const systemClock: Clock = {
	now: () => Date.now(),
	at(at, callback) {
		let timer: NodeJS.Timeout;
		// setTimeout may fire a millisecond early; never call back before `at`.
		const arm = (): void => {
			timer = setTimeout(() => (Date.now() >= at ? callback() : arm()), Math.min(longestTimeout, Math.max(0, at - Date.now())));
			timer.unref?.();
		};

		arm();
		return {cancel: () => clearTimeout(timer)};
	},
};

/** A clock that only moves when told to; timers fire in order inside `advance`. */
export class ManualClock implements Clock {
	private current: Millis;
	private timers: Array<{at: Millis; seq: number; callback: () => void; cancelled: boolean}> = [];
	private seq = 0;

	constructor(start: Millis = 1_700_000_000_000) {
		this.current = start;
	}

	now(): Millis {
		return this.current;
	}

	at(at: Millis, callback: () => void): TimerHandle {
		const timer = {at, seq: this.seq++, callback, cancelled: false};
		this.timers.push(timer);
		return {
			cancel() {
				timer.cancelled = true;
			},
		};
	}

	/** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
	advance(ms: Millis): void {
		const target = this.current + ms;
		for (;;) {
			const due = this.timers
				.filter(t => !t.cancelled && t.at <= target)
				.sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
			if (!due) {
				break;
			}

			due.cancelled = true;
			this.current = Math.max(this.current, due.at);
			due.callback();
		}

		this.current = target;
		this.timers = this.timers.filter(t => !t.cancelled);
	}

	/** The earliest pending timer, if any. */
	nextTimer(): Millis | null {
		const pending = this.timers.filter(t => !t.cancelled).map(t => t.at);
		return pending.length === 0 ? null : Math.min(...pending);
	}
}

/**
 * Holds the process open until the returned function is called: the clock's own timers do not
 * (a task's timer must never keep an exiting daemon alive), the daemon's shell does.
 */
export function holdOpen(): () => void {
	const timer = setInterval(() => {}, 1 << 30);
	return () => clearInterval(timer);
}
