/**
 * Who gets a slot next: the highest priority first, first come first served among equals. A task
 * without a priority counts as priority 0.
 */
import {liveStates, type Requests, type StateKind} from './model.js';

/** `name`: what people call it (a job's `--name`), when that is not its id; `requires`: its requests. */
export type Candidate = {id: string; priority: number; seq: number; name?: string; requires?: Requests};

/** States whose task holds a slot: a task holds one while it has a process. */
export const slotStates: ReadonlySet<StateKind> = liveStates;

export function byPriority(a: Candidate, b: Candidate): number {
	return b.priority - a.priority || a.seq - b.seq;
}

/** What `TaskQueue.best` does with a candidate it looks at. */
export type Verdict = 'take' | 'skip' | 'drop';

/**
 * The queued tasks, best first (`byPriority`): a map for membership and a binary heap for order,
 * so taking the next few of 1,000 queued tasks costs a few heap steps, not a sort. Deletion is
 * lazy: a heap entry whose task left the queue (or came back with another place) is dropped when
 * it surfaces.
 */
export class TaskQueue {
	readonly #members = new Map<string, Candidate>();
	readonly #heap: Candidate[] = [];

	get size(): number {
		return this.#members.size;
	}

	/** No queued task's priority is above this (the heap's top, perhaps a task that left: an upper bound); null when empty. */
	get topPriority(): number | null {
		return this.#heap[0]?.priority ?? null;
	}

	has(id: string): boolean {
		return this.#members.has(id);
	}

	ids(): IterableIterator<string> {
		return this.#members.keys();
	}

	add(candidate: Candidate): void {
		this.#members.set(candidate.id, candidate);
		this.#push(candidate);
	}

	delete(id: string): void {
		this.#members.delete(id);
	}

	/**
	 * Up to `n` candidates `judge` takes, best first; they stay queued. A `drop` leaves the queue;
	 * a `skip` stays in it.
	 */
	best(n: number, judge: (candidate: Candidate) => Verdict): Candidate[] {
		const taken: Candidate[] = [];
		const skipped: Candidate[] = [];
		while (taken.length < n && this.#heap.length > 0) {
			const top = this.#pop();
			if (this.#members.get(top.id) !== top) {
				continue;
			}

			const verdict = judge(top);
			if (verdict === 'drop') {
				this.#members.delete(top.id);
			} else {
				(verdict === 'take' ? taken : skipped).push(top);
			}
		}

		for (const candidate of [...taken, ...skipped]) {
			this.#push(candidate);
		}

		return taken;
	}

	#push(candidate: Candidate): void {
		const heap = this.#heap;
		heap.push(candidate);
		for (let i = heap.length - 1; i > 0; ) {
			const parent = (i - 1) >> 1;
			if (byPriority(heap[i] as Candidate, heap[parent] as Candidate) >= 0) {
				break;
			}

			[heap[i], heap[parent]] = [heap[parent] as Candidate, heap[i] as Candidate];
			i = parent;
		}
	}

	#pop(): Candidate {
		const heap = this.#heap;
		const top = heap[0] as Candidate;
		const last = heap.pop() as Candidate;
		if (heap.length > 0) {
			heap[0] = last;
			for (let i = 0; ; ) {
				const left = 2 * i + 1;
				const right = left + 1;
				let best = i;
				if (left < heap.length && byPriority(heap[left] as Candidate, heap[best] as Candidate) < 0) {
					best = left;
				}

				if (right < heap.length && byPriority(heap[right] as Candidate, heap[best] as Candidate) < 0) {
					best = right;
				}

				if (best === i) {
					break;
				}

				[heap[i], heap[best]] = [heap[best] as Candidate, heap[i] as Candidate];
				i = best;
			}
		}

		return top;
	}
}
