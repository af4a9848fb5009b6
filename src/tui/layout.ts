/**
 * Where each pane goes for a terminal size (research/tui.md §4.1). Pure: the same size and
 * toggles always give the same layout, so the components can be tested at fixed sizes.
 *
 * Ink 6 clears the whole screen on every frame once a frame is as tall as the terminal, so the
 * dashboard draws `rows - 1` lines and leaves the last row empty.
 */

/** Below this the dashboard shows only "terminal too small". */
export const minCols = 60;
export const minRows = 15;
/** From this size on: table left, detail and logs right. */
export const wideCols = 150;
export const wideRows = 30;
/** Below this many rows the log pane starts hidden (`l` shows it). */
export const logsAutoRows = 18;

export type Pane = {
	/** Columns of content. */
	width: number;
	/** Rows, its title or column-header row included. */
	height: number;
};

export type Layout =
	| {kind: 'small'; cols: number; rows: number}
	| {
			kind: 'stack' | 'wide';
			cols: number;
			rows: number;
			/** Rows drawn: rows - 1. */
			height: number;
			table: Pane | null;
			logs: Pane | null;
			detail: Pane | null;
			/** Wide: the right column (detail over logs) starts at this column, after a border. */
			split: number;
	  };

export type LayoutInput = {
	cols: number;
	rows: number;
	/** null: automatic (shown from {@link logsAutoRows} rows on). */
	showLogs: boolean | null;
	zoom: boolean;
	focus: 'table' | 'logs';
	detail: boolean;
};

export function logsShown(showLogs: boolean | null, rows: number): boolean {
	return showLogs ?? rows >= logsAutoRows;
}

export function computeLayout({cols, rows, showLogs, zoom, focus, detail}: LayoutInput): Layout {
	if (cols < minCols || rows < minRows) {
		return {kind: 'small', cols, rows};
	}

	const height = rows - 1;
	const body = height - 2; // header and footer
	const logs = logsShown(showLogs, rows);
	const wide = cols >= wideCols && rows >= wideRows;
	const full: Pane = {width: cols, height: body};
	const base = {cols, rows, height, split: 0};

	if (detail) {
		return {...base, kind: wide ? 'wide' : 'stack', table: null, logs: null, detail: full};
	}

	if (zoom) {
		return focus === 'logs' && logs
			? {...base, kind: wide ? 'wide' : 'stack', table: null, logs: full, detail: null}
			: {...base, kind: wide ? 'wide' : 'stack', table: full, logs: null, detail: null};
	}

	if (wide) {
		const split = Math.round(cols * 0.58);
		const right = cols - split - 2; // "│ " border
		const detailRows = logs ? Math.min(16, Math.max(8, Math.floor(body * 0.35))) : body;
		return {
			...base,
			kind: 'wide',
			split,
			table: {width: split, height: body},
			detail: {width: right, height: detailRows},
			logs: logs ? {width: right, height: body - detailRows} : null,
		};
	}

	if (!logs) {
		return {...base, kind: 'stack', table: full, logs: null, detail: null};
	}

	const tableRows = Math.ceil(body * 0.55);
	return {...base, kind: 'stack', table: {width: cols, height: tableRows}, logs: {width: cols, height: body - tableRows}, detail: null};
}

/** Rows of data the table shows (its height minus the column header). */
export function tablePage(layout: Layout): number {
	return layout.kind === 'small' || !layout.table ? 0 : Math.max(1, layout.table.height - 1);
}

/** Lines the log pane shows (its height minus its title). */
export function logPage(layout: Layout): number {
	return layout.kind === 'small' || !layout.logs ? 0 : Math.max(1, layout.logs.height - 1);
}

/** Width of the log pane's text (its width minus the stderr gutter). */
export function logTextWidth(layout: Layout): number {
	return layout.kind === 'small' || !layout.logs ? 0 : Math.max(1, layout.logs.width - 2);
}

/**
 * The first row to show so that `selected` is visible, moving the window as little as
 * possible from `offset` (a cursor-following scroll, as in htop).
 */
export function scrollOffset(offset: number, selected: number, page: number, total: number): number {
	if (page <= 0 || total <= 0) {
		return 0;
	}

	let first = Math.min(Math.max(0, offset), Math.max(0, total - page));
	if (selected < first) {
		first = selected;
	} else if (selected >= first + page) {
		first = selected - page + 1;
	}

	return Math.max(0, Math.min(first, Math.max(0, total - page)));
}
