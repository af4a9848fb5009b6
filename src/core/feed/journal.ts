/**
 * The last events the engine published, kept in memory so an SSE client that reconnects with
 * `Last-Event-ID` gets exactly what it missed. The engine numbers events 1, 2, 3 … without gaps
 * within one daemon's life, so whether a reader missed more than is kept is a subtraction.
 */
import type {EventDoc} from '../ipc/methods.js';

/** Events kept unless told otherwise: minutes of a busy daemon, a few MB at most. */
export const defaultJournalSize = 10_000;

export type Replay = {ok: true; events: EventDoc[]} | {ok: false; why: string};

export class EventJournal {
	readonly #slots: Array<EventDoc | undefined>;
	#next = 0;
	#size = 0;
	#lastSeq: number;

	/** @param lastSeq The engine's last published seq when the journal starts listening. */
	constructor(capacity = defaultJournalSize, lastSeq = 0) {
		this.#slots = new Array<EventDoc | undefined>(Math.max(0, Math.floor(capacity)));
		this.#lastSeq = lastSeq;
	}

	get lastSeq(): number {
		return this.#lastSeq;
	}

	/** The oldest seq still kept; lastSeq + 1 when none is. */
	get firstSeq(): number {
		return this.#lastSeq - this.#size + 1;
	}

	push(event: EventDoc): void {
		if (this.#slots.length === 0) {
			this.#lastSeq = event.seq;
			return;
		}

		this.#slots[this.#next] = event;
		this.#next = (this.#next + 1) % this.#slots.length;
		this.#size = Math.min(this.#size + 1, this.#slots.length);
		this.#lastSeq = event.seq;
	}

	/** The last `n` events, oldest first. */
	tail(n: number): EventDoc[] {
		const count = Math.max(0, Math.min(Math.floor(n), this.#size));
		if (count === 0) {
			return [];
		}

		const out: EventDoc[] = [];
		const capacity = this.#slots.length;
		for (let i = count; i > 0; i--) {
			const event = this.#slots[(this.#next - i + capacity) % capacity];
			if (event) {
				out.push(event);
			}
		}

		return out;
	}

	/** The events after `seq`, or why they cannot be given (too old, or from another daemon). */
	since(seq: number): Replay {
		if (seq > this.#lastSeq) {
			return {ok: false, why: `event ${seq} is unknown here (the daemon restarted?); the last is ${this.#lastSeq}`};
		}

		if (seq < this.firstSeq - 1) {
			return {ok: false, why: `events ${seq + 1} to ${this.firstSeq - 1} are no longer kept`};
		}

		return {ok: true, events: this.tail(this.#lastSeq - seq)};
	}
}
