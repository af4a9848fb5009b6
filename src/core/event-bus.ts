/**
 * Who hears of written changes: listeners get each event once it is written, in order, and
 * conditions (`until`) are checked again after every write (a new `want` or a new `then` is a
 * change without an event). Nothing here decides anything; the engine publishes.
 */
import type {TaskRecord} from './model.js';
import type {TaskEventRecord} from './task-event.js';

export type Listener = (event: TaskEventRecord, record: TaskRecord) => void;

export class EventBus {
	readonly #listeners = new Set<Listener>();
	readonly #waiters = new Set<() => void>();
	#published = 0;

	/** The sequence number of the last event published. */
	get lastSeq(): number {
		return this.#published;
	}

	on(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Resolves once `check()` holds, checked now and after every write. */
	until(check: () => boolean): Promise<void> {
		if (check()) {
			return Promise.resolve();
		}

		return new Promise(resolve => {
			const waiter = (): void => {
				if (check()) {
					this.#waiters.delete(waiter);
					resolve();
				}
			};

			this.#waiters.add(waiter);
		});
	}

	/** Tells listeners of what was just written, then checks every condition. */
	publish(events: Array<[TaskEventRecord, TaskRecord]>): void {
		for (const [event, record] of events) {
			this.#published = event.seq;
			for (const listener of this.#listeners) {
				listener(event, record);
			}
		}

		for (const waiter of this.#waiters) {
			waiter();
		}
	}
}
