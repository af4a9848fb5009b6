/**
 * Colours and glyphs. Ink's chalk ignores NO_COLOR, so it is honoured here: without colour
 * every hue becomes undefined while bold and inverse stay (the selection is inverse plus a `>`
 * marker, so it never depends on colour). Glyphs fall back to ASCII when the locale is not UTF-8.
 */
import type {StateKind} from '../core/model.js';

/** One of Ink's 16 ANSI colour names, or undefined for the terminal's default. */
export type Hue = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray' | 'white' | undefined;

export type Theme = {
	color: boolean;
	unicode: boolean;
	/** The colour of a hue name, or undefined without colour. */
	hue(name: Exclude<Hue, undefined>): Hue;
	stateHue(state: StateKind): Hue;
	stateGlyph(state: StateKind): string;
	/** Marker of the selected row and of a stderr line. */
	selected: string;
	stderr: string;
	/** Box rule for pane titles. */
	rule: string;
	/** ▲/▼ on the sorted column. */
	up: string;
	down: string;
	dot: string;
	ellipsis: string;
};

const unicodeGlyphs: Record<StateKind, string> = {
	queued: '◌',
	starting: '◔',
	running: '●',
	backoff: '↻',
	stopping: '◑',
	stopped: '○',
	paused: '‖',
	completed: '✔',
	failed: '✘',
	fatal: '✘',
};

const asciiGlyphs: Record<StateKind, string> = {
	queued: '.',
	starting: '^',
	running: '*',
	backoff: '~',
	stopping: 'v',
	stopped: 'o',
	paused: '=',
	completed: '+',
	failed: 'x',
	fatal: 'X',
};

const stateHues: Record<StateKind, Hue> = {
	queued: 'gray',
	starting: 'cyan',
	running: 'green',
	backoff: 'yellow',
	stopping: 'yellow',
	stopped: 'gray',
	paused: 'blue',
	completed: 'green',
	failed: 'red',
	fatal: 'red',
};

/** True when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them). */
export function localeIsUtf8(env: Record<string, string | undefined>): boolean {
	const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
	return /utf-?8/i.test(locale);
}

export type ThemeOptions = {color: boolean; unicode: boolean};

/** The theme from the environment: NO_COLOR (non-empty, no-color.org) and the locale. */
export function themeOptionsFromEnv(env: Record<string, string | undefined>, lowBandwidth = false): ThemeOptions {
	const noColor = Boolean(env['NO_COLOR']) || env['TERM'] === 'dumb';
	return {color: !noColor && !lowBandwidth, unicode: localeIsUtf8(env)};
}

export function createTheme({color, unicode}: ThemeOptions): Theme {
	const glyphs = unicode ? unicodeGlyphs : asciiGlyphs;
	return {
		color,
		unicode,
		hue: name => (color ? name : undefined),
		stateHue: state => (color ? stateHues[state] : undefined),
		stateGlyph: state => glyphs[state],
		selected: '>',
		stderr: unicode ? '┃' : '!',
		rule: unicode ? '─' : '-',
		up: unicode ? '▲' : '^',
		down: unicode ? '▼' : 'v',
		dot: unicode ? '·' : '|',
		ellipsis: unicode ? '…' : '~',
	};
}
