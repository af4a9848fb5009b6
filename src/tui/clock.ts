/**
 * The dashboard's time. Every clock read and timer in `src/tui` goes through a `Clock` passed in
 * (the session's options, the App's props), so tests move time by hand; this is the only file
 * of the dashboard that may touch real time (it does so through core's clock).
 */
import type {Clock, TimerHandle} from '../core/clock.js';

export {ManualClock, systemClock, type Clock, type TimerHandle} from '../core/clock.js';

/** Calls `callback` once, `ms` from now. */
export function after(clock: Clock, ms: number, callback: () => void): TimerHandle {
	return clock.at(clock.now() + ms, callback);
}

/** Calls `callback` every `ms` until cancelled. */
export function every(clock: Clock, ms: number, callback: () => void): TimerHandle {
	let timer: TimerHandle;
	let cancelled = false;
	const arm = (): void => {
		timer = after(clock, ms, () => {
			callback();
			if (!cancelled) {
				arm();
			}
		});
	};

	arm();
	return {
		cancel() {
			cancelled = true;
			timer.cancel();
		},
	};
}
