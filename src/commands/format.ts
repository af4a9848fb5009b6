/**
 * Human output: aligned tables and short times and durations.
 */
import {clockDuration} from '../core/durations.js';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
	const all = [header, ...rows];
	const widths = header.map((_, i) => Math.max(...all.map(row => (row[i] ?? '').length)));
	return all
		.map(row =>
			row
				.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
				.join('  ')
				.trimEnd(),
		)
		.join('\n')
		.concat('\n');
}

export function formatTime(ms: number): string {
	return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** 450ms, 12s, 3m05s, 2h01m, 3d04h. */
export function formatDuration(ms: number): string {
	return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : clockDuration(ms);
}
