/**
 * When a delayed job may start: the `delayMs` or `at` of a `run` or `retry` request, against the
 * daemon's clock. Pure. `at` is an absolute time (the CLI turns `--at` in local time into one);
 * a time already passed is no delay (the CLI refuses one given by hand, a request in flight may
 * arrive a little late).
 */
import {TmError} from './errors.js';
import type {Millis} from './model.js';

/** The latest time a Date can hold. */
const lastTime = 8.64e15;

/** An ISO-8601 date and time that says its offset (`Z`, `+01:00`): the daemon cannot guess the client's zone. */
const absolute = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export type DelayParams = {delayMs?: unknown; at?: unknown};

/** The time the job may start, or undefined for at once; a bad value is E_USAGE naming the field. */
export function eligibleAt(params: DelayParams, now: Millis, method: string): Millis | undefined {
	const {delayMs, at} = params;
	const usage = (message: string): never => {
		throw new TmError('E_USAGE', `${method}: ${message}`);
	};

	if (delayMs !== undefined && at !== undefined) {
		return usage('give delayMs (--delay) or at (--at), not both');
	}

	if (delayMs !== undefined) {
		const ms = typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0 && now + delayMs <= lastTime ? Math.round(delayMs) : null;
		if (ms === null) {
			return usage(`delayMs must be a number of milliseconds ≥ 0, got ${JSON.stringify(delayMs)}`);
		}

		return ms === 0 ? undefined : now + ms;
	}

	if (at !== undefined) {
		const time = typeof at === 'string' && absolute.test(at) ? Date.parse(at) : Number.NaN;
		if (Number.isNaN(time) || time > lastTime) {
			return usage(`at must be an ISO-8601 time with its offset, such as 2026-12-05T03:00:00Z or 2026-12-05T03:00+01:00, got ${JSON.stringify(at)}`);
		}

		return time > now ? time : undefined;
	}

	return undefined;
}
