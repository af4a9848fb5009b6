/**
 * The reducer that moves the dashboard's UI state: pure, so every key can be tested without a
 * terminal. Keys become commands through the keymap; commands change the state and may ask for
 * effects (a call to the daemon, quitting), which the caller carries out. Each concern has its
 * file: the overlays (`prompts.ts`), text being typed (`text-input.ts`), the table
 * (`selection.ts`), the log pane (`log-scroll.ts`) and the keys that act on tasks
 * (`task-commands.ts`); this file routes between them.
 */
import {resolveKey, type Command, type CompiledKeymap} from './keymap.js';
import type {KeyPress} from './keys.js';
import {logCommand} from './log-scroll.js';
import {reduceConfirm, reduceHelp, reduceSignalMenu} from './prompts.js';
import {tableCommand} from './selection.js';
import {done, keyContext, selectedTask, withMessage, type ReduceContext, type Result, type UiState} from './state.js';
import {taskCommand} from './task-commands.js';
import {reduceInput} from './text-input.js';
import {defaultDesc, sortKeys, type SortKey} from './view.js';

const sortCommands: Partial<Record<Command, SortKey>> = {
	sortName: 'name',
	sortState: 'state',
	sortCpu: 'cpu',
	sortMemory: 'memory',
	sortUptime: 'uptime',
	sortRestarts: 'restarts',
};

/** A sort key: by a column (again: inverted), the next or previous column, or inverted. Null when `command` is not one. */
function sortCommand(state: UiState, command: Command): UiState | null {
	const key = sortCommands[command];
	if (key !== undefined) {
		return {...state, sort: state.sort.key === key ? {key, desc: !state.sort.desc} : {key, desc: defaultDesc[key]}};
	}

	if (command === 'sortInvert') {
		return {...state, sort: {...state.sort, desc: !state.sort.desc}};
	}

	if (command === 'sortNext' || command === 'sortPrevious') {
		const at = sortKeys.indexOf(state.sort.key);
		const next = sortKeys[(at + (command === 'sortNext' ? 1 : -1) + sortKeys.length) % sortKeys.length]!;
		return {...state, sort: {key: next, desc: defaultDesc[next]}};
	}

	return null;
}

/** Esc: closes the detail, else clears the filter, else leaves the zoom, else drops the search mark. */
function back(state: UiState): UiState {
	if (state.detail) {
		return {...state, detail: false};
	}

	if (state.filter !== '') {
		return {...state, filter: ''};
	}

	if (state.zoom) {
		return {...state, zoom: false};
	}

	if (state.log.hit !== null) {
		return {...state, log: {...state.log, hit: null}};
	}

	return state;
}

/** The commands that work wherever the focus is; null for the focused pane's own. */
function mainCommand(state: UiState, ctx: ReduceContext, command: Command): Result | null {
	switch (command) {
		case 'quit': {
			return done(state, {kind: 'quit'});
		}

		case 'help': {
			return done({...state, help: true, helpOffset: 0});
		}

		case 'back': {
			return done(back(state));
		}

		case 'detail': {
			return done(selectedTask(state, ctx.rows) ? {...state, detail: true} : withMessage(state, 'no task selected', true));
		}

		case 'filter': {
			return done({...state, detail: false, input: {kind: 'filter', text: state.filter, before: state.filter}});
		}

		case 'focus': {
			if (!ctx.logsVisible) {
				return done(withMessage(state, 'the log pane is hidden: l shows it'));
			}

			return done({...state, focus: state.focus === 'table' ? 'logs' : 'table'});
		}

		case 'toggleLogs': {
			const show = !ctx.logsVisible;
			return done({...state, showLogs: show, focus: show ? state.focus : 'table', zoom: show ? state.zoom : false});
		}

		case 'zoom': {
			return done({...state, zoom: !state.zoom});
		}

		case 'start':
		case 'stop':
		case 'restart':
		case 'pause':
		case 'cancel':
		case 'signal': {
			return taskCommand(state, ctx, command);
		}

		default: {
			const sorted = sortCommand(state, command);
			return sorted === null ? null : done(sorted);
		}
	}
}

/** Runs one command in the state's current context. */
export function reduceCommand(state: UiState, command: Command, ctx: ReduceContext): Result {
	// Overlays first: they own the keyboard until closed.
	if (state.prompt?.kind === 'confirm') {
		return reduceConfirm(state, state.prompt, command);
	}

	if (state.prompt?.kind === 'signal') {
		return reduceSignalMenu(state, state.prompt, command);
	}

	if (state.help) {
		return reduceHelp(state, command);
	}

	const main = mainCommand(state, ctx, command);
	if (main !== null) {
		return main;
	}

	const pane = state.focus === 'logs' && !state.detail ? logCommand(state, ctx, command) : tableCommand(state, ctx, command);
	return pane ?? done(state);
}

/** Runs one key press: text into a filter or search being typed, else the keymap's command. */
export function reduceKey(state: UiState, key: KeyPress, ctx: ReduceContext, keymap: CompiledKeymap): Result {
	const context = keyContext(state, ctx.small);
	if (context === 'input') {
		return reduceInput(state, state.input!, key, ctx);
	}

	const command = resolveKey(keymap, context, key.name);
	if (command === null) {
		// Any other key closes a y/N prompt as "no" (the safe answer); elsewhere it does nothing.
		return context === 'confirm' ? done({...state, prompt: null}) : done(state);
	}

	return reduceCommand(state, command, ctx);
}
