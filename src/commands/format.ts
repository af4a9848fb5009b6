/**
 * Human output: aligned tables and short times and durations.
 */

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
	if (ms < 1000) {
		return `${Math.max(0, Math.round(ms))}ms`;
	}

	const s = Math.floor(ms / 1000);
	if (s < 60) {
		return `${s}s`;
	}

	const pad = (n: number) => String(n).padStart(2, '0');
	if (s < 3600) {
		return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
	}

	if (s < 86_400) {
		return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
	}

	return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}
