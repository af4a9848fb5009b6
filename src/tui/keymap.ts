/**
 * The keys, as data: which key runs which command where the focus is. The reducer only sees
 * commands; the help overlay lists the bindings of the focused context from this same table.
 * Letters first (htop/k9s), F-keys as aliases; nothing destructive on Ctrl chords.
 */

/** Where the keyboard focus is. `input` (a filter or search being typed) is handled as text. */
export type Context = 'table' | 'logs' | 'detail' | 'help' | 'confirm' | 'menu' | 'small';

export type Command =
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'halfUp'
	| 'halfDown'
	| 'top'
	| 'bottom'
	| 'filter'
	| 'search'
	| 'next'
	| 'previous'
	| 'focus'
	| 'detail'
	| 'back'
	| 'start'
	| 'stop'
	| 'restart'
	| 'signal'
	| 'pause'
	| 'cancel'
	| 'toggleLogs'
	| 'follow'
	| 'wrap'
	| 'zoom'
	| 'sortNext'
	| 'sortPrevious'
	| 'sortInvert'
	| 'sortCpu'
	| 'sortMemory'
	| 'sortUptime'
	| 'sortName'
	| 'sortState'
	| 'sortRestarts'
	| 'help'
	| 'quit'
	| 'yes'
	| 'no'
	| 'all'
	| 'choose';

export type Binding = {
	/** Key names as `parseKeys` gives them; the first is the one shown in help. */
	keys: string[];
	command: Command;
	contexts: readonly Context[];
	help: string;
};

const main: readonly Context[] = ['table', 'logs', 'detail'];

export const defaultKeymap: readonly Binding[] = [
	{keys: ['j', 'down'], command: 'down', contexts: ['table', 'detail'], help: 'next task'},
	{keys: ['k', 'up'], command: 'up', contexts: ['table', 'detail'], help: 'previous task'},
	{keys: ['pagedown', 'ctrl-f'], command: 'pageDown', contexts: ['table'], help: 'page down'},
	{keys: ['pageup', 'ctrl-b'], command: 'pageUp', contexts: ['table'], help: 'page up'},
	{keys: ['ctrl-d'], command: 'halfDown', contexts: ['table'], help: 'half a page down'},
	{keys: ['ctrl-u'], command: 'halfUp', contexts: ['table'], help: 'half a page up'},
	{keys: ['g', 'home'], command: 'top', contexts: ['table'], help: 'first task'},
	{keys: ['G', 'end'], command: 'bottom', contexts: ['table'], help: 'last task'},
	{keys: ['j', 'down'], command: 'down', contexts: ['logs'], help: 'scroll down (at the end: follow)'},
	{keys: ['k', 'up'], command: 'up', contexts: ['logs'], help: 'scroll up (stops following)'},
	{keys: ['pagedown', 'ctrl-f'], command: 'pageDown', contexts: ['logs'], help: 'page down'},
	{keys: ['pageup', 'ctrl-b'], command: 'pageUp', contexts: ['logs'], help: 'page up'},
	{keys: ['ctrl-d'], command: 'halfDown', contexts: ['logs'], help: 'half a page down'},
	{keys: ['ctrl-u'], command: 'halfUp', contexts: ['logs'], help: 'half a page up'},
	{keys: ['g', 'home'], command: 'top', contexts: ['logs'], help: 'oldest line kept'},
	{keys: ['G', 'end'], command: 'bottom', contexts: ['logs'], help: 'newest line, and follow'},
	{keys: ['/', '\\', 'f4'], command: 'filter', contexts: ['table', 'detail'], help: 'filter tasks (text, /regex/, !not)'},
	{keys: ['/', 'f3'], command: 'search', contexts: ['logs'], help: 'search the log'},
	{keys: ['n'], command: 'next', contexts: ['logs'], help: 'next match (older)'},
	{keys: ['N'], command: 'previous', contexts: ['logs'], help: 'previous match (newer)'},
	{keys: ['tab', 'shift-tab'], command: 'focus', contexts: ['table', 'logs'], help: 'switch focus table/logs'},
	{keys: ['enter'], command: 'detail', contexts: ['table', 'logs'], help: 'task detail'},
	{keys: ['enter'], command: 'back', contexts: ['detail'], help: 'close the detail'},
	{keys: ['escape'], command: 'back', contexts: main, help: 'back / clear filter'},
	{keys: ['s', 'f7'], command: 'start', contexts: main, help: 'start'},
	{keys: ['x', 'f9'], command: 'stop', contexts: main, help: 'stop (asks y/N)'},
	{keys: ['r'], command: 'restart', contexts: main, help: 'restart (asks y/N)'},
	{keys: ['K'], command: 'signal', contexts: main, help: 'send a signal…'},
	{keys: ['p'], command: 'pause', contexts: main, help: 'pause / resume'},
	{keys: ['c'], command: 'cancel', contexts: main, help: 'cancel a job (asks y/N)'},
	{keys: ['l'], command: 'toggleLogs', contexts: ['table', 'logs'], help: 'show/hide the log pane'},
	{keys: ['f', 'f5'], command: 'follow', contexts: ['logs'], help: 'follow on/off'},
	{keys: ['w', 'f6'], command: 'wrap', contexts: ['logs'], help: 'wrap long lines'},
	{keys: ['z'], command: 'zoom', contexts: ['table', 'logs'], help: 'zoom the focused pane'},
	{keys: ['>', '.'], command: 'sortNext', contexts: ['table'], help: 'sort by the next column'},
	{keys: ['<', ','], command: 'sortPrevious', contexts: ['table'], help: 'sort by the previous column'},
	{keys: ['I'], command: 'sortInvert', contexts: ['table'], help: 'invert the sort'},
	{keys: ['N'], command: 'sortName', contexts: ['table'], help: 'sort by name'},
	{keys: ['S'], command: 'sortState', contexts: ['table'], help: 'sort by state'},
	{keys: ['P'], command: 'sortCpu', contexts: ['table'], help: 'sort by CPU'},
	{keys: ['M'], command: 'sortMemory', contexts: ['table'], help: 'sort by memory'},
	{keys: ['T'], command: 'sortUptime', contexts: ['table'], help: 'sort by uptime'},
	{keys: ['R'], command: 'sortRestarts', contexts: ['table'], help: 'sort by restarts'},
	{keys: ['?', 'h', 'f1'], command: 'help', contexts: main, help: 'this help'},
	{keys: ['q', 'f10'], command: 'quit', contexts: [...main, 'small'], help: 'quit (tasks keep running)'},
	{keys: ['ctrl-c'], command: 'quit', contexts: [...main, 'small', 'help', 'confirm', 'menu'], help: 'quit'},
	{keys: ['escape', 'q', '?', 'h', 'enter'], command: 'back', contexts: ['help'], help: 'close the help'},
	{keys: ['j', 'down'], command: 'down', contexts: ['help'], help: 'scroll down'},
	{keys: ['k', 'up'], command: 'up', contexts: ['help'], help: 'scroll up'},
	{keys: ['l', 'right', 'j', 'down', 'tab'], command: 'down', contexts: ['menu'], help: 'next signal'},
	{keys: ['h', 'left', 'k', 'up', 'shift-tab'], command: 'up', contexts: ['menu'], help: 'previous signal'},
	{keys: ['y', 'Y'], command: 'yes', contexts: ['confirm'], help: 'yes'},
	{keys: ['a', 'A'], command: 'all', contexts: ['confirm', 'menu'], help: 'all tasks matching the filter'},
	{keys: ['n', 'N', 'escape', 'q', 'enter'], command: 'no', contexts: ['confirm'], help: 'no'},
	{keys: ['enter'], command: 'choose', contexts: ['menu'], help: 'send'},
	{keys: ['escape', 'q', 'n'], command: 'no', contexts: ['menu'], help: 'cancel'},
];

/** A keymap compiled for lookups: context → key → command. */
export type CompiledKeymap = {
	bindings: readonly Binding[];
	lookup: Map<Context, Map<string, Command>>;
};

export function compileKeymap(bindings: readonly Binding[] = defaultKeymap): CompiledKeymap {
	const lookup = new Map<Context, Map<string, Command>>();
	for (const binding of bindings) {
		for (const context of binding.contexts) {
			let keys = lookup.get(context);
			if (!keys) {
				keys = new Map();
				lookup.set(context, keys);
			}

			for (const key of binding.keys) {
				// The first binding of a key in a context wins.
				if (!keys.has(key)) {
					keys.set(key, binding.command);
				}
			}
		}
	}

	return {bindings, lookup};
}

/** The command `key` runs in `context`, or null. */
export function resolveKey(keymap: CompiledKeymap, context: Context, key: string): Command | null {
	return keymap.lookup.get(context)?.get(key) ?? null;
}

/** Display names of keys for the help overlay and the footer. */
export function keyLabel(key: string): string {
	const labels: Record<string, string> = {
		down: '↓',
		up: '↑',
		left: '←',
		right: '→',
		pagedown: 'PgDn',
		pageup: 'PgUp',
		home: 'Home',
		end: 'End',
		enter: 'Enter',
		escape: 'Esc',
		tab: 'Tab',
		'shift-tab': 'S-Tab',
		space: 'Space',
	};
	if (labels[key]) {
		return labels[key];
	}

	if (key.startsWith('ctrl-')) {
		return `^${key.slice(5).toUpperCase()}`;
	}

	if (/^f\d+$/.test(key)) {
		return key.toUpperCase();
	}

	return key;
}

/** The rows of the help overlay for `context`: keys (joined) and what they do, in table order. */
export function helpRows(keymap: CompiledKeymap, context: Context): Array<{keys: string; help: string}> {
	const rows: Array<{keys: string; help: string}> = [];
	for (const binding of keymap.bindings) {
		if (!binding.contexts.includes(context)) {
			continue;
		}

		// Only the keys that still run this command here (an earlier binding may have taken one).
		const live = binding.keys.filter(key => resolveKey(keymap, context, key) === binding.command);
		if (live.length > 0) {
			rows.push({keys: live.map(keyLabel).join(' '), help: binding.help});
		}
	}

	return rows;
}
