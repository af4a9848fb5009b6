/**
 * Human output: aligned tables and short times and durations.
 */
import {clockDuration} from '../core/durations.js';

/** Colours one cell once it is padded (`row` counts from 0 after the header), or leaves it. */
export type Paint = (row: number, column: number, padded: string) => string;

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][], paint?: Paint): string {
	const all = [header, ...rows];
	const widths = header.map((_, i) => Math.max(...all.map(row => (row[i] ?? '').length)));
	return all
		.map((row, r) =>
			row
				.map((cell, i) => {
					const padded = i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
					return paint && r > 0 ? paint(r - 1, i, padded) : padded;
				})
				.join('  ')
				.trimEnd(),
		)
		.join('\n')
		.concat('\n');
}

/** Whether to colour what goes to a terminal: not in a pipe, nor with NO_COLOR set or TERM=dumb. */
export function useColour(isTTY: boolean, env: Record<string, string | undefined>): boolean {
	return isTTY && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

const sgr = {yellow: '33', red: '1;31'} as const;

/** `text` in a colour, for a terminal. */
export function coloured(text: string, colour: keyof typeof sgr): string {
	return `\u001B[${sgr[colour]}m${text}\u001B[0m`;
}

export function formatTime(ms: number): string {
	return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** 450ms, 12s, 3m05s, 2h01m, 3d04h. */
export function formatDuration(ms: number): string {
	return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : clockDuration(ms);
}
