/**
 * The writing side of one connection: lines go straight to the socket while it takes them and
 * wait in a bounded queue while it does not. Responses are always queued; notifications beyond
 * the bounds are dropped and counted, and a `dropped` notification follows once the queue has
 * drained. A queue past four times the bounds means the client is cut off.
 */
import type {Socket} from 'node:net';
import {encode, notification} from './protocol.js';

/**
 * Outgoing lines waiting for the socket to drain. A plain array with a moving head, so taking
 * from the front is O(1).
 */
class LineQueue {
	#items: string[] = [];
	#head = 0;
	/** Characters held, for the byte bound (UTF-16 units; close enough to bytes for a bound). */
	chars = 0;

	get length(): number {
		return this.#items.length - this.#head;
	}

	push(line: string): void {
		this.#items.push(line);
		this.chars += line.length;
	}

	shift(): string | undefined {
		if (this.#head >= this.#items.length) {
			return undefined;
		}

		const line = this.#items[this.#head]!;
		this.#items[this.#head] = '';
		this.#head++;
		this.chars -= line.length;
		if (this.#head === this.#items.length) {
			this.#items = [];
			this.#head = 0;
		} else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
			this.#items = this.#items.slice(this.#head);
			this.#head = 0;
		}

		return line;
	}

	clear(): void {
		this.#items = [];
		this.#head = 0;
		this.chars = 0;
	}
}

export type OutboxLimits = {maxQueuedMessages: number; maxQueuedBytes: number};

/** What the connection does when the outbox changes: it reads and closes by these. */
export type OutboxEvents = {
	/** socket.write returned false: the client is not reading. */
	blocked(): void;
	/** Everything queued (and the `dropped` count) went out. */
	drained(): void;
	/** The queue passed four times its bounds. */
	overflow(): void;
};

export class Outbox {
	readonly #socket: Socket;
	readonly #limits: OutboxLimits;
	readonly #events: OutboxEvents;
	readonly #queue = new LineQueue();
	#corked = false;
	/** socket.write returned false: queue until 'drain'. */
	#blocked = false;
	#dropped = 0;

	constructor(socket: Socket, limits: OutboxLimits, events: OutboxEvents) {
		this.#socket = socket;
		this.#limits = limits;
		this.#events = events;
	}

	get blocked(): boolean {
		return this.#blocked;
	}

	/** Messages waiting for the client to read. */
	get queued(): number {
		return this.#queue.length;
	}

	/** Writes or queues one line; false when it was dropped (counted as `items`). */
	write(line: string, kind: 'response' | 'notification', items = 1): boolean {
		if (!this.#blocked && this.#queue.length === 0 && this.#dropped === 0) {
			this.#corkForThisTurn();
			if (!this.#socket.write(line)) {
				this.#blocked = true;
				this.#events.blocked();
			}

			return true;
		}

		const {maxQueuedMessages, maxQueuedBytes} = this.#limits;
		const queue = this.#queue;
		// Once dropping starts it goes on until the queue has drained and `dropped` went out, so
		// the client sees exactly where the gap is.
		const full = queue.length >= maxQueuedMessages || queue.chars + line.length > maxQueuedBytes;
		if (kind === 'notification' && (this.#dropped > 0 || full)) {
			this.#dropped += items;
			return false;
		}

		queue.push(line);
		if (queue.length > 4 * maxQueuedMessages || queue.chars > 4 * maxQueuedBytes) {
			// Responses are never dropped; a client this far behind is cut off instead.
			this.#events.overflow();
			return false;
		}

		return true;
	}

	/** On 'drain': writes the queue until the socket is full again; then the `dropped` count. */
	flush(): void {
		this.#blocked = false;
		for (let line = this.#queue.shift(); line !== undefined; line = this.#queue.shift()) {
			if (!this.#socket.write(line)) {
				this.#blocked = true;
				return;
			}
		}

		if (this.#dropped > 0) {
			const count = this.#dropped;
			this.#dropped = 0;
			if (!this.#socket.write(encode(notification('dropped', {count})))) {
				this.#blocked = true;
				return;
			}
		}

		this.#events.drained();
	}

	clear(): void {
		this.#queue.clear();
	}

	/**
	 * Frames written in one turn of the event loop (a batch of events, the answers to a burst of
	 * requests) leave in one writev instead of one write each.
	 */
	#corkForThisTurn(): void {
		if (!this.#corked) {
			this.#corked = true;
			this.#socket.cork();
			queueMicrotask(() => {
				this.#corked = false;
				this.#socket.uncork();
			});
		}
	}
}
