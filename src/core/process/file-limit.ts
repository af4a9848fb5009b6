/**
 * The daemon's limit on open files, raised at start from the soft limit to the hard one (Node has
 * no setrlimit: tm's addon, native/fd-limit.c). Node's own start-up usually did it already; the
 * call makes it so whoever embeds the engine, and says what the limit is, once, in the daemon log.
 * Tasks inherit the raised limit, as supervisord's `minfds` gives it to its children.
 */
import {tmAddon, addonProblem} from '../native-addon.js';
import {descriptorLimit} from './fd-reserve.js';

/** What a task holds of the daemon's descriptors while it runs quietly: its stdout, stderr and notify pipes. */
export const descriptorsPerTask = 3;

export type FileLimit = {
	/** The soft limit now (null: unlimited or unknown). */
	limit: number | null;
	/** The soft limit before, when it was raised. */
	raisedFrom: number | null;
	/** What the daemon log says about it. */
	message: string;
};

/** Raises the soft limit on open files to the hard limit, and says what it is. */
export function raiseFileLimit(): FileLimit {
	const addon = tmAddon();
	if (addon === null) {
		const limit = descriptorLimit();
		return {limit, raisedFrom: null, message: `open-file limit ${limit ?? 'unknown'}, not raised to the hard limit: the addon is not loaded (${addonProblem() ?? 'unknown'}); ulimit -n before tm up, or LimitNOFILE= under systemd, sets it`};
	}

	const [before, after, errno] = addon.raiseFileLimit().map(value => (value < 0 ? null : value)) as [number | null, number | null, number | null];
	if (errno !== null && errno !== 0) {
		return {limit: before, raisedFrom: null, message: `open-file limit ${before ?? 'unlimited'}: raising it to the hard limit failed (errno ${errno})`};
	}

	const raised = before !== null && after !== null && after > before;
	return {
		limit: after,
		raisedFrom: raised ? before : null,
		message: raised ? `open-file limit raised from ${before} to ${after} (the hard limit)` : `open-file limit ${after ?? 'unlimited'} (the hard limit)`,
	};
}

/**
 * A warning when `tasks` idle tasks would not fit under `limit` beside the daemon's own
 * descriptors (`reserve`), else null: the rest would wait for descriptors.
 */
export function shortfall(tasks: number, limit: number | null, reserve: number): string | null {
	if (limit === null || tasks * descriptorsPerTask + reserve <= limit) {
		return null;
	}

	const fit = Math.max(0, Math.floor((limit - reserve) / descriptorsPerTask));
	const need = tasks * descriptorsPerTask + reserve;
	return `${tasks} tasks need about ${need} open files (${descriptorsPerTask} each and ${reserve} for the daemon) but the limit is ${limit}: about ${fit} can run, the rest wait for descriptors; raise LimitNOFILE= in the systemd unit, or ulimit -n (and ulimit -Hn) before tm up`;
}
