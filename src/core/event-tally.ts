/**
 * What only events tell, counted from the daemon's first event: events published, and jobs
 * finished by state and cause. It listens from the moment the engine exists, since the socket
 * answers (and jobs may finish) before the web view that shows these counts has loaded.
 */
import type {Engine} from './engine.js';
import type {StateKind, TaskKind} from './model.js';

const finishedJobStates: ReadonlySet<StateKind> = new Set(['completed', 'failed', 'stopped']);

export type FinishedJobs = {state: string; cause: string; count: number};

export class EventTally {
	#events = 0;
	readonly #finishedJobs = new Map<string, FinishedJobs>();
	readonly #off: () => void;

	constructor(engine: Engine) {
		this.#off = engine.on(event => {
			this.#events++;
			if (kindOf(engine, event.taskId) === 'job' && event.from !== event.to && finishedJobStates.has(event.to)) {
				const key = `${event.to} ${event.cause}`;
				const counted = this.#finishedJobs.get(key) ?? {state: event.to, cause: event.cause, count: 0};
				this.#finishedJobs.set(key, {...counted, count: counted.count + 1});
			}
		});
	}

	/** Task events published since the daemon started. */
	get events(): number {
		return this.#events;
	}

	/** Jobs that reached completed, failed or stopped, by `state cause`. */
	finishedJobs(): Iterable<FinishedJobs> {
		return this.#finishedJobs.values();
	}

	close(): void {
		this.#off();
	}
}

function kindOf(engine: Engine, id: string): TaskKind | null {
	try {
		return engine.get(id).spec.kind;
	} catch {
		return null;
	}
}
