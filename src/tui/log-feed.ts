/**
 * The selected task's output, kept outside React: a ring of lines, flushed to the screen at
 * most every `flushMs`, with the follow's status, the lines the daemon dropped and the rate.
 */
import type {LogLineDoc} from '../core/ipc/methods.js';
import {systemClock, type Clock} from './clock.js';
import {LogRing} from './log-ring.js';
import {Versioned} from './versioned.js';

export class LogFeed extends Versioned {
	readonly ring: LogRing;
	taskId: string | null = null;
	status: 'idle' | 'loading' | 'following' | 'error' = 'idle';
	error: string | null = null;
	/** Lines the daemon dropped because this client read too slowly. */
	dropped = 0;
	/** Lines per second, measured over the last second or so. */
	rate = 0;
	#rateCount = 0;
	#rateSince: number;

	constructor(flushMs = 100, capacity = 5000, clock: Clock = systemClock) {
		super(flushMs, clock);
		this.ring = new LogRing(capacity);
		this.#rateSince = clock.now();
	}

	/** Lines per second now: 0 once nothing came for two seconds. */
	currentRate(now = this.clock.now()): number {
		return now - this.#rateSince > 2000 ? 0 : this.rate;
	}

	/** Starts over for another task (or none). */
	reset(taskId: string | null): void {
		this.taskId = taskId;
		this.ring.clear();
		this.status = taskId === null ? 'idle' : 'loading';
		this.error = null;
		this.dropped = 0;
		this.rate = 0;
		this.#rateCount = 0;
		this.#rateSince = this.clock.now();
		this.flush();
	}

	/** One line; `counted`: a live line (the tail a follow starts with does not count towards the rate). */
	push(line: LogLineDoc, counted = true): void {
		this.ring.push(line);
		if (counted) {
			this.#rateCount++;
			const now = this.clock.now();
			if (now - this.#rateSince >= 1000) {
				this.rate = (this.#rateCount * 1000) / (now - this.#rateSince);
				this.#rateCount = 0;
				this.#rateSince = now;
			}
		}

		this.changed();
	}

	setStatus(status: LogFeed['status'], error: string | null = null): void {
		this.status = status;
		this.error = error;
		this.changed();
	}

	addDropped(count: number): void {
		this.dropped += count;
		this.changed();
	}
}
