/**
 * The daemon's descriptors at start: its soft open-file limit raised to the hard one (said
 * once), the spares kept for when it runs short, and what it says then.
 */
import type {Clock} from '../clock.js';
import {Descriptors, spareCount} from '../descriptors.js';
import {SpareDescriptors} from '../process/fd-reserve.js';
import {raiseFileLimit, shortfall} from '../process/file-limit.js';
import type {DaemonLog} from './daemon-log.js';

/** Descriptors the daemon holds besides its tasks' and its spares (measured: about 40 with the web view). */
const daemonDescriptors = 64;

/**
 * The limit raised to the hard one (said once), the spare descriptors, and what the daemon says
 * when it runs out: the warning once, the daemon log each time.
 */
export function fileDescriptors(clock: Clock, log: DaemonLog, warn: (message: string) => void, tasks: number): Descriptors {
	const {limit, raisedFrom, message} = raiseFileLimit();
	log.note(message, {limit, raisedFrom});
	// The daemon's own files (tm.db, logs, sockets, libuv) and the spares, beside the tasks'.
	const tight = shortfall(tasks, limit, daemonDescriptors + spareCount(limit));
	if (tight !== null) {
		log.note(tight, {limit, tasks});
		warn(tight);
	}

	return new Descriptors({
		clock,
		limit,
		spares: new SpareDescriptors(spareCount(limit)),
		onShort(message, first) {
			log.note(message, {limit});
			if (first) {
				warn(message);
			}
		},
		onAvailable: message => log.note(message, {limit}),
	});
}
