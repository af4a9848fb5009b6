/**
 * The dashboard's UI state: what is selected, focused, filtered and asked, and the effects a
 * key may ask for. Pure data and small helpers; `reducer.ts` moves it.
 *
 * The selection is kept by task id, not by row, so a re-sort or a refresh never moves the
 * cursor to another task. The log position is an absolute line index (see `LogRing`).
 */
import type {TaskStatus} from '../core/ipc/methods.js';
import type {Context as KeyContext} from './keymap.js';
import type {Sort} from './view.js';

/** What a person can ask the daemon to do to tasks from the dashboard. */
export type Verb = 'start' | 'stop' | 'restart' | 'pause' | 'resume' | 'cancel';

export type Effect = {kind: 'act'; verb: Verb; names: string[]} | {kind: 'signal'; signal: string; names: string[]} | {kind: 'quit'};

/** The signals of the `K` menu, most common first. */
export const signals: readonly string[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT', 'SIGKILL', 'SIGSTOP', 'SIGCONT'];

export type Prompt =
	/** A y/N question; `all` (key `a`) is offered when a filter selects more than one task. */
	| {kind: 'confirm'; text: string; yes: Effect; all: {text: string; effect: Effect} | null}
	/** The signal menu. */
	| {kind: 'signal'; index: number; names: string[]; label: string; all: {names: string[]; label: string} | null};

export type TextInput = {kind: 'filter' | 'search'; text: string; before: string};

export type LogView = {
	follow: boolean;
	/** While not following: one past the last line shown. */
	end: number;
	wrap: boolean;
	search: string;
	/** The line of the current search match, or null. */
	hit: number | null;
};

export type Message = {text: string; error: boolean; id: number};

export type UiState = {
	focus: 'table' | 'logs';
	detail: boolean;
	help: boolean;
	helpOffset: number;
	prompt: Prompt | null;
	input: TextInput | null;
	/** Id of the selected task; when it is filtered out, the first row is selected instead. */
	selected: string | null;
	/** First table row shown. */
	offset: number;
	filter: string;
	sort: Sort;
	/** null: automatic (by terminal height). */
	showLogs: boolean | null;
	zoom: boolean;
	log: LogView;
	message: Message | null;
	messageSeq: number;
};

export const initialState: UiState = {
	focus: 'table',
	detail: false,
	help: false,
	helpOffset: 0,
	prompt: null,
	input: null,
	selected: null,
	offset: 0,
	filter: '',
	sort: {key: 'name', desc: false},
	showLogs: null,
	zoom: false,
	log: {follow: true, end: 0, wrap: false, search: '', hit: null},
	message: null,
	messageSeq: 0,
};

/** What the reducer needs to know about the screen and the data right now. */
export type ReduceContext = {
	/** The table's rows: filtered and sorted. */
	rows: readonly TaskStatus[];
	tablePage: number;
	logPage: number;
	logsVisible: boolean;
	/** The terminal is below the minimum size. */
	small: boolean;
	log: {first: number; end: number; find(query: string, from: number, direction: -1 | 1): number | null};
};

export type Result = {state: UiState; effects: Effect[]};

export const done = (state: UiState, ...effects: Effect[]): Result => ({state, effects});

/** Index of the selected row in `rows`: the selected id's row, else 0 (-1 when there are no rows). */
export function selectedIndex(state: UiState, rows: readonly TaskStatus[]): number {
	if (rows.length === 0) {
		return -1;
	}

	if (state.selected !== null) {
		const index = rows.findIndex(row => row.id === state.selected);
		if (index >= 0) {
			return index;
		}
	}

	return 0;
}

export function selectedTask(state: UiState, rows: readonly TaskStatus[]): TaskStatus | undefined {
	return rows[selectedIndex(state, rows)];
}

/** The key context for the state: text input, a prompt, help, a small screen, detail or the focused pane. */
export function keyContext(state: UiState, small: boolean): KeyContext | 'input' {
	if (state.input) {
		return 'input';
	}

	if (state.prompt) {
		return state.prompt.kind === 'signal' ? 'menu' : 'confirm';
	}

	if (state.help) {
		return 'help';
	}

	if (small) {
		return 'small';
	}

	if (state.detail) {
		return 'detail';
	}

	return state.focus;
}

/** Sets the footer message. */
export function withMessage(state: UiState, text: string, error = false): UiState {
	const id = state.messageSeq + 1;
	return {...state, message: {text, error, id}, messageSeq: id};
}

/** Clears the message `id` (a newer one stays). */
export function clearMessage(state: UiState, id: number): UiState {
	return state.message?.id === id ? {...state, message: null} : state;
}

