/**
 * When a person's action is done, as the machine sees it: a waiting `start`, `stop` or
 * `restart` answers once `settled(action, at, now)` holds, where `at` is the task right after
 * the machine handled the request (not when it was sent: a start in flight holds events) and
 * `now` is the task as it is. Pure, so every (action, state) pair is a row of a table test.
 */
import {liveStates, type StateKind, type TaskRecord} from './model.js';

export type WaitedAction = 'start' | 'stop' | 'restart';

/** What the answer compares: the record and how many attempts were ever admitted (only grows). */
export type Mark = {record: TaskRecord; admitted: number};

/** States a task stays in until someone or something acts: an action that got here is over. */
const resting: ReadonlySet<StateKind> = new Set(['running', 'paused', 'completed', 'failed', 'fatal', 'stopped']);

export function settled(action: WaitedAction, at: Mark, now: Mark): boolean {
	const {state, want} = now.record;
	switch (action) {
		case 'stop': {
			// Down, or someone wanted it up again meanwhile: that answer stands.
			return !liveStates.has(state.kind) || want === 'up';
		}

		case 'start': {
			// Up (or over, for a one-shot), or someone stopped it meanwhile and it is down.
			return resting.has(state.kind) && (want === 'up' || !liveStates.has(state.kind));
		}

		case 'restart': {
			// A new attempt started after the request and got somewhere; or someone stopped it.
			const again = now.admitted > at.admitted;
			return (again && resting.has(state.kind)) || (want === 'down' && !liveStates.has(state.kind));
		}
	}
}

/** Whether an action's answer is a success in the state it settled in. */
export function succeeded(action: WaitedAction, kind: StateKind): boolean {
	return action === 'stop' || kind === 'running' || kind === 'paused' || kind === 'completed';
}

/**
 * What became of a request, as a script reads it: `done`; `superseded`, when a later request
 * (another client's) wanted the opposite before this one got there; `failed`, when the task
 * ended elsewhere (the state's reason says why); `accepted`, handed over without waiting.
 */
export type Outcome = 'done' | 'superseded' | 'failed' | 'accepted';

/** The outcome of an action once `settled(action, at, now)` holds, with the words for a failure. */
export function outcomeOf(action: WaitedAction, now: Mark): {outcome: Outcome; error?: string} {
	const {state, want} = now.record;
	if (action === 'stop') {
		return want === 'up' ? {outcome: 'superseded', error: `superseded by a later start or restart: it is ${state.kind}`} : {outcome: 'done'};
	}

	if (want === 'down' && !liveStates.has(state.kind)) {
		return {outcome: 'superseded', error: `superseded by a later stop: it is ${state.kind}`};
	}

	return succeeded(action, state.kind) ? {outcome: 'done'} : {outcome: 'failed', error: state.reason};
}
