/**
 * Who gets a slot next. Pure: the highest priority first, first come first served among equals,
 * while slots are free. A task without a priority counts as priority 0.
 */
import {liveStates, type StateKind} from './model.js';

export type Candidate = {id: string; priority: number; seq: number};

/** States whose task holds a slot: a task holds one while it has a process. */
export const slotStates: ReadonlySet<StateKind> = liveStates;

export function byPriority(a: Candidate, b: Candidate): number {
	return b.priority - a.priority || a.seq - b.seq;
}

/** The ids to admit now, in order. `capacity` null means unlimited. */
export function admissions(queued: Candidate[], busy: number, capacity: number | null): string[] {
	const free = capacity === null ? queued.length : Math.max(0, capacity - busy);
	if (free === 0) {
		return [];
	}

	if (free >= queued.length) {
		return [...queued].sort(byPriority).map(c => c.id);
	}

	// A few free slots among many queued (the usual case): pick the best `free` in one pass.
	const best: Candidate[] = [];
	for (const candidate of queued) {
		if (best.length < free || byPriority(candidate, best[best.length - 1] as Candidate) < 0) {
			const at = best.findIndex(other => byPriority(candidate, other) < 0);
			best.splice(at === -1 ? best.length : at, 0, candidate);
			if (best.length > free) {
				best.pop();
			}
		}
	}

	return best.map(c => c.id);
}
