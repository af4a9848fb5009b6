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
	return [...queued].sort(byPriority).slice(0, free).map(c => c.id);
}
