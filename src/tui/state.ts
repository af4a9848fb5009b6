/**
 * The dashboard's UI state and the reducer that moves it: pure, so every key can be tested
 * without a terminal. Keys become commands through the keymap; commands change the state and
 * may ask for effects (a call to the daemon, quitting), which the caller carries out.
 *
 * The selection is kept by task id, not by row, so a re-sort or a refresh never moves the
 * cursor to another task. The log position is an absolute line index (see `LogRing`).
 */
import type {TaskStatus} from '../core/ipc/methods.js';
import {resolveKey, type Command, type CompiledKeymap, type Context as KeyContext} from './keymap.js';
import type {KeyPress} from './keys.js';
import {scrollOffset} from './layout.js';
import {defaultDesc, sortKeys, type Sort, type SortKey} from './view.js';

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

const done = (state: UiState, ...effects: Effect[]): Result => ({state, effects});

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

function moveTo(state: UiState, ctx: ReduceContext, index: number): UiState {
	const {rows, tablePage} = ctx;
	if (rows.length === 0) {
		return state;
	}

	const target = Math.max(0, Math.min(rows.length - 1, index));
	return {...state, selected: rows[target]!.id, offset: scrollOffset(state.offset, target, tablePage, rows.length)};
}

/** The end of the log window as shown now (following: the newest line). */
export function logEnd(state: UiState, ctx: ReduceContext): number {
	if (state.log.follow) {
		return ctx.log.end;
	}

	const lowest = Math.min(ctx.log.first + Math.max(1, ctx.logPage), ctx.log.end);
	return Math.max(lowest, Math.min(state.log.end, ctx.log.end));
}

function scrollLog(state: UiState, ctx: ReduceContext, delta: number): UiState {
	const end = logEnd(state, ctx) + delta;
	if (end >= ctx.log.end) {
		return {...state, log: {...state.log, follow: true, end: ctx.log.end}};
	}

	const lowest = Math.min(ctx.log.first + Math.max(1, ctx.logPage), ctx.log.end);
	return {...state, log: {...state.log, follow: false, end: Math.max(lowest, end)}};
}

/** Scrolls so that line `hit` shows about mid-pane; following stops. */
function showLogLine(state: UiState, ctx: ReduceContext, hit: number): UiState {
	const end = Math.min(ctx.log.end, hit + Math.ceil(ctx.logPage / 2));
	return {...state, log: {...state.log, follow: false, end, hit}};
}

function setSort(state: UiState, key: SortKey): UiState {
	return {...state, sort: state.sort.key === key ? {key, desc: !state.sort.desc} : {key, desc: defaultDesc[key]}};
}

function cycleSort(state: UiState, step: 1 | -1): UiState {
	const at = sortKeys.indexOf(state.sort.key);
	const key = sortKeys[(at + step + sortKeys.length) % sortKeys.length]!;
	return {...state, sort: {key, desc: defaultDesc[key]}};
}

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

function taskCommand(state: UiState, ctx: ReduceContext, command: Command): Result {
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

function tableCommand(state: UiState, ctx: ReduceContext, command: Command): Result | null {
	const index = selectedIndex(state, ctx.rows);
	const page = Math.max(1, ctx.tablePage);
	switch (command) {
		case 'down': {
			return done(moveTo(state, ctx, index + 1));
		}

		case 'up': {
			return done(moveTo(state, ctx, index - 1));
		}

		case 'pageDown': {
			return done(moveTo(state, ctx, index + page));
		}

		case 'pageUp': {
			return done(moveTo(state, ctx, index - page));
		}

		case 'halfDown': {
			return done(moveTo(state, ctx, index + Math.ceil(page / 2)));
		}

		case 'halfUp': {
			return done(moveTo(state, ctx, index - Math.ceil(page / 2)));
		}

		case 'top': {
			return done(moveTo(state, ctx, 0));
		}

		case 'bottom': {
			return done(moveTo(state, ctx, ctx.rows.length - 1));
		}

		default: {
			return null;
		}
	}
}

function logCommand(state: UiState, ctx: ReduceContext, command: Command): Result | null {
	const page = Math.max(1, ctx.logPage);
	switch (command) {
		case 'down': {
			return done(scrollLog(state, ctx, 1));
		}

		case 'up': {
			return done(scrollLog(state, ctx, -1));
		}

		case 'pageDown': {
			return done(scrollLog(state, ctx, page));
		}

		case 'pageUp': {
			return done(scrollLog(state, ctx, -page));
		}

		case 'halfDown': {
			return done(scrollLog(state, ctx, Math.ceil(page / 2)));
		}

		case 'halfUp': {
			return done(scrollLog(state, ctx, -Math.ceil(page / 2)));
		}

		case 'top': {
			return done({...state, log: {...state.log, follow: false, end: Math.min(ctx.log.first + page, ctx.log.end)}});
		}

		case 'bottom': {
			return done({...state, log: {...state.log, follow: true, end: ctx.log.end}});
		}

		case 'follow': {
			return done(
				state.log.follow
					? withMessage({...state, log: {...state.log, follow: false, end: ctx.log.end}}, 'follow off')
					: withMessage({...state, log: {...state.log, follow: true, end: ctx.log.end}}, 'follow on'),
			);
		}

		case 'wrap': {
			return done({...state, log: {...state.log, wrap: !state.log.wrap}});
		}

		case 'search': {
			return done({...state, input: {kind: 'search', text: '', before: state.log.search}});
		}

		case 'next':
		case 'previous': {
			if (state.log.search === '') {
				return done(withMessage(state, 'no search yet: / to search', true));
			}

			const from = state.log.hit ?? (command === 'next' ? logEnd(state, ctx) : logEnd(state, ctx) - 1);
			const hit = ctx.log.find(state.log.search, from, command === 'next' ? -1 : 1);
			return done(hit === null ? withMessage(state, `no more matches for "${state.log.search}"`, true) : showLogLine(state, ctx, hit));
		}

		default: {
			return null;
		}
	}
}

/** Runs one command in the state's current context. */
export function reduceCommand(state: UiState, command: Command, ctx: ReduceContext): Result {
	// Overlays first: they own the keyboard until closed.
	if (state.prompt?.kind === 'confirm') {
		const prompt = state.prompt;
		switch (command) {
			case 'yes': {
				return done({...state, prompt: null}, prompt.yes);
			}

			case 'all': {
				return prompt.all ? done({...state, prompt: null}, prompt.all.effect) : done(state);
			}

			case 'quit': {
				return done({...state, prompt: null}, {kind: 'quit'});
			}

			default: {
				return done({...state, prompt: null});
			}
		}
	}

	if (state.prompt?.kind === 'signal') {
		const menu = state.prompt;
		switch (command) {
			case 'down':
			case 'up': {
				const step = command === 'down' ? 1 : -1;
				return done({...state, prompt: {...menu, index: (menu.index + step + signals.length) % signals.length}});
			}

			case 'choose': {
				return done({...state, prompt: null}, {kind: 'signal', signal: signals[menu.index]!, names: menu.names});
			}

			case 'all': {
				if (!menu.all) {
					return done(state);
				}

				const signal = signals[menu.index]!;
				return done({
					...state,
					prompt: {kind: 'confirm', text: `Send ${signal} to ${menu.all.label}?`, yes: {kind: 'signal', signal, names: menu.all.names}, all: null},
				});
			}

			case 'quit': {
				return done({...state, prompt: null}, {kind: 'quit'});
			}

			default: {
				return done({...state, prompt: null});
			}
		}
	}

	if (state.help) {
		switch (command) {
			case 'down': {
				return done({...state, helpOffset: state.helpOffset + 1});
			}

			case 'up': {
				return done({...state, helpOffset: Math.max(0, state.helpOffset - 1)});
			}

			case 'quit': {
				return done(state, {kind: 'quit'});
			}

			default: {
				return done({...state, help: false, helpOffset: 0});
			}
		}
	}

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

		case 'sortName':
		case 'sortState':
		case 'sortCpu':
		case 'sortMemory':
		case 'sortUptime':
		case 'sortRestarts': {
			const keys: Record<string, SortKey> = {
				sortName: 'name',
				sortState: 'state',
				sortCpu: 'cpu',
				sortMemory: 'memory',
				sortUptime: 'uptime',
				sortRestarts: 'restarts',
			};
			return done(setSort(state, keys[command]!));
		}

		case 'sortNext': {
			return done(cycleSort(state, 1));
		}

		case 'sortPrevious': {
			return done(cycleSort(state, -1));
		}

		case 'sortInvert': {
			return done({...state, sort: {...state.sort, desc: !state.sort.desc}});
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
			break;
		}
	}

	const pane = state.focus === 'logs' && !state.detail ? logCommand(state, ctx, command) : tableCommand(state, ctx, command);
	return pane ?? done(state);
}

function reduceInput(state: UiState, input: TextInput, key: KeyPress, ctx: ReduceContext): Result {
	const apply = (text: string): UiState => {
		const next = {...state, input: {...input, text}};
		return input.kind === 'filter' ? {...next, filter: text, offset: 0} : next;
	};

	switch (key.name) {
		case 'enter': {
			if (input.kind === 'filter') {
				return done({...state, input: null, filter: input.text});
			}

			const search = input.text;
			if (search === '') {
				return done({...state, input: null, log: {...state.log, search: '', hit: null}});
			}

			const searching = {...state, input: null, log: {...state.log, search, hit: null}};
			const hit = ctx.log.find(search, logEnd(state, ctx), -1);
			return done(hit === null ? withMessage(searching, `"${search}" not found`, true) : showLogLine(searching, ctx, hit));
		}

		case 'escape': {
			return input.kind === 'filter' ? done({...state, input: null, filter: ''}) : done({...state, input: null});
		}

		case 'ctrl-c': {
			return done({...state, input: null}, {kind: 'quit'});
		}

		case 'backspace': {
			if (input.text === '') {
				return done({...state, input: null});
			}

			return done(apply(Array.from(input.text).slice(0, -1).join('')));
		}

		case 'ctrl-u': {
			return done(apply(''));
		}

		default: {
			return key.text === '' ? done(state) : done(apply(input.text + key.text));
		}
	}
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
