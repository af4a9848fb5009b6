/**
 * Short, fixed-width texts for the dashboard's cells: ages, sizes, percents, progress bars.
 * Everything here is pure and fits the column widths of `columns.ts`.
 */

import {clockDuration} from '../core/durations.js';

/** `–` where a value is unknown (not sampled yet, no heartbeat, …). */
export const NONE = '–';

/** 42s, 3m05s, 2h01m, 3d04h: at most 6 characters up to 99 days. Negative counts as 0. */
export const shortDuration = clockDuration;

/** Like {@link shortDuration} but rounds up below a minute (a countdown never shows 0s while waiting). */
export function countdown(ms: number): string {
	return ms <= 0 ? '0s' : ms < 60_000 ? `${Math.ceil(ms / 1000)}s` : shortDuration(ms);
}

/** 980B, 512K, 31M, 1.2G and 0.4, 12.3, 143: shared with `tm status` (core/sizes.ts). */
export {shortBytes, shortPercent} from '../core/sizes.js';

const eighths = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A bar of `width` cells for `percent` (0..100): `███▌` in Unicode (eighths of a cell),
 * `##--` in ASCII.
 */
export function progressBar(percent: number, width: number, unicode: boolean): string {
	const p = Math.min(100, Math.max(0, percent));
	if (width <= 0) {
		return '';
	}

	if (!unicode) {
		const full = Math.round((p / 100) * width);
		return '#'.repeat(full) + '-'.repeat(width - full);
	}

	const units = Math.round((p / 100) * width * 8);
	const full = Math.floor(units / 8);
	const part = eighths[units % 8] ?? '';
	const bar = '█'.repeat(full) + part;
	return bar + ' '.repeat(Math.max(0, width - full - (part ? 1 : 0)));
}

/** `text` cut or padded to exactly `width` characters (code units; the dashboard's texts are narrow). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left', ellipsis = '…'): string {
	if (width <= 0) {
		return '';
	}

	if (text.length > width) {
		return width === 1 ? text.slice(0, 1) : `${text.slice(0, width - 1)}${ellipsis}`;
	}

	return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

// C0 controls except tab, DEL, and C1 controls; ANSI escape sequences (CSI, OSC, two-byte).
// eslint-disable-next-line no-control-regex
const escapes = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[@-Z\\-_])|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * A task's output line made safe to draw: escape sequences and control characters removed,
 * tabs expanded to spaces, and at most `max` characters kept (the rest can never be on screen).
 */
export function cleanLine(text: string, max: number): string {
	// The common case (plain ASCII) costs one test.
	// eslint-disable-next-line no-control-regex
	let clean = /[\u0000-\u001F\u007F-\u009F]/.test(text) ? text.replace(escapes, '') : text;
	if (clean.includes('\t')) {
		clean = clean.replaceAll('\t', '    ');
	}

	return clean.length > max ? clean.slice(0, max) : clean;
}

/** Milliseconds since an ISO-8601 time, or null. */
export function ageOf(iso: string | null, now: number): number | null {
	if (iso === null) {
		return null;
	}

	const at = Date.parse(iso);
	return Number.isNaN(at) ? null : now - at;
}
