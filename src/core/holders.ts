/**
 * The tasks in a state that holds a slot (`slotStates`), kept as they change so nothing scans
 * every task to find them, and what they claim together (capacity.ts's count), counted again
 * only after the set changed: every `status`, even of one task, and every feed update carry the
 * claims, and with thousands of tasks running a count each time was most of a status's cost.
 */
import {claimedOf, type Claimed} from './capacity.js';
import type {StateKind, TaskSpec} from './model.js';
import {slotStates} from './scheduler.js';

/** What a holder is made of here: its id, state and requests (a Supervisor's spec is fixed for its life). */
type Holder = {readonly id: string; readonly record: {readonly state: {readonly kind: StateKind}}; readonly spec: Pick<TaskSpec, 'requires'>};

export class Holders<T extends Holder> {
	readonly #tasks = new Map<string, T>();
	#claimed: Claimed | null = null;

	/** Takes `task` in or out by its state now; `task` is the one of its id (a replaced task is not tracked). */
	track(task: T): void {
		if (slotStates.has(task.record.state.kind)) {
			if (this.#tasks.get(task.id) !== task) {
				this.#tasks.set(task.id, task);
				this.#claimed = null;
			}
		} else {
			this.drop(task.id);
		}
	}

	drop(id: string): void {
		if (this.#tasks.delete(id)) {
			this.#claimed = null;
		}
	}

	values(): IterableIterator<T> {
		return this.#tasks.values();
	}

	/** The slots and requests the holders claim (frozen: shared until the holders change). */
	claimed(): Claimed {
		this.#claimed ??= Object.freeze(claimedOf([...this.#tasks.values()].map(task => ({state: task.record.state.kind, requires: task.spec.requires}))));
		return this.#claimed;
	}
}
