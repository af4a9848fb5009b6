/**
 * The keys that act on tasks: each becomes an effect at once (start, pause) or a y/N question
 * first (stop, restart, cancel, and anything while a filter selects several tasks, which the
 * question then offers as a whole).
 */
import type {TaskStatus} from '../core/ipc/methods.js';
import type {Command} from './keymap.js';
import {done, selectedTask, withMessage, type Effect, type Prompt, type ReduceContext, type Result, type UiState, type Verb} from './state.js';

const verbText: Record<Verb, string> = {
	start: 'Start',
	stop: 'Stop',
	restart: 'Restart',
	pause: 'Pause',
	resume: 'Resume',
	cancel: 'Cancel',
};

/** The tasks a bulk action would touch: the filtered rows, when a filter selects more than one. */
function bulkOf(state: UiState, ctx: ReduceContext, keep: (task: TaskStatus) => boolean = () => true): string[] | null {
	if (state.filter === '') {
		return null;
	}

	const names = ctx.rows.filter(keep).map(row => row.id);
	return names.length > 1 ? names : null;
}

function confirm(state: UiState, ctx: ReduceContext, verb: Verb, task: TaskStatus, always: boolean, keep?: (t: TaskStatus) => boolean): Result {
	const all = bulkOf(state, ctx, keep);
	const yes: Effect = {kind: 'act', verb, names: [task.id]};
	if (!always && all === null) {
		return done(state, yes);
	}

	const prompt: Prompt = {
		kind: 'confirm',
		text: `${verbText[verb]} ${task.id}?`,
		yes,
		all: all ? {text: `all ${all.length} matching ${state.filter}`, effect: {kind: 'act', verb, names: all}} : null,
	};
	return done({...state, prompt});
}

/** `command` (start, stop, restart, pause, cancel or signal) on the selected task. */
export function taskCommand(state: UiState, ctx: ReduceContext, command: Command): Result {
	const task = selectedTask(state, ctx.rows);
	if (!task) {
		return done(withMessage(state, 'no task selected', true));
	}

	switch (command) {
		case 'start': {
			return confirm(state, ctx, 'start', task, false);
		}

		case 'stop': {
			return confirm(state, ctx, 'stop', task, true);
		}

		case 'restart': {
			return confirm(state, ctx, 'restart', task, true);
		}

		case 'pause': {
			const verb: Verb = task.state === 'paused' ? 'resume' : 'pause';
			return confirm(state, ctx, verb, task, false);
		}

		case 'cancel': {
			if (task.kind !== 'job') {
				return done(withMessage(state, `c cancels a job; ${task.id} is a service (x stops it)`, true));
			}

			return confirm(state, ctx, 'cancel', task, true, t => t.kind === 'job');
		}

		default: {
			const all = bulkOf(state, ctx);
			return done({
				...state,
				prompt: {
					kind: 'signal',
					index: 0,
					names: [task.id],
					label: task.id,
					all: all ? {names: all, label: `all ${all.length} matching ${state.filter}`} : null,
				},
			});
		}
	}
}
