// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The task table: the column header and only the rows that fit (1,000 tasks mount ~20 rows).
 */
import {Box} from 'ink';
import type {TaskStatus} from '../../core/ipc/methods.js';
import {fitColumns, headerText, rowSegments, type TableColumns} from '../columns.js';
import type {LiveData} from '../live.js';
import type {Theme} from '../theme.js';
import type {Sort} from '../view.js';
import {Line, TextLine} from './Line.js';

export type TableProps = {
	rows: readonly TaskStatus[];
	/** Index in `rows` of the selected task, -1 for none. */
	selected: number;
	/** First row shown. */
	offset: number;
	width: number;
	/** Rows of the pane, column header included. */
	height: number;
	sort: Sort;
	data: LiveData;
	theme: Theme;
	focused: boolean;
	/** What to say when there are no rows. */
	empty: string;
};

export function Table({rows, selected, offset, width, height, sort, data, theme, focused, empty}: TableProps) {
	// Several hosts, or the cluster's jobs: a HOST column as wide as the longest name (at most 16).
	const names = data.links !== null ? [...data.links.keys()] : data.hostColumn ? rows.map(task => task.host ?? '') : null;
	const hostWidth = names === null ? 0 : Math.min(16, Math.max(4, ...names.map(name => name.length)));
	const table: TableColumns = fitColumns(width, hostWidth);
	const page = Math.max(0, height - 1);
	const shown = rows.slice(offset, offset + page);
	return (
		<Box flexDirection="column" width={width} height={height}>
			<TextLine text={headerText(table, sort, theme)} bold inverse={focused && !theme.color} hue={focused ? theme.hue('cyan') : undefined} />
			{shown.length === 0 ? <TextLine text={`  ${empty}`} dim /> : null}
			{shown.map((task, i) => {
				const isSelected = offset + i === selected;
				const segments = rowSegments(task, table, {now: data.now, theme}, isSelected);
				// The selected row: inverse plus the '>' marker, so it shows without colour too.
				// Keyed by position: scrolling updates rows instead of mounting new ones.
				return <Line key={i} segments={isSelected ? segments.map(s => ({text: s.text, bold: s.bold})) : segments} inverse={isSelected} />;
			})}
		</Box>
	);
}
