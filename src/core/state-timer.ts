/**
 * The one timer of a task's state (its deadline, `deadlineOf`), for the Supervisor: armed again
 * only when the deadline changes; it fires once.
 */
import type {Clock, TimerHandle} from './clock.js';
import type {Millis} from './model.js';

export class StateTimer {
	#armed: {at: Millis; handle: TimerHandle} | null = null;
	readonly #clock: Clock;
	readonly #onDue: () => void;

	constructor(clock: Clock, onDue: () => void) {
		this.#clock = clock;
		this.#onDue = onDue;
	}

	/** `onDue` at `at` (null: never); the same deadline keeps its timer. */
	arm(at: Millis | null): void {
		if (this.#armed?.at === at) {
			return;
		}

		this.cancel();
		if (at !== null) {
			const handle = this.#clock.at(at, () => {
				this.#armed = null;
				this.#onDue();
			});
			this.#armed = {at, handle};
		}
	}

	cancel(): void {
		this.#armed?.handle.cancel();
		this.#armed = null;
	}
}
