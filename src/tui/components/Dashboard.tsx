// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The whole screen for a size and a state: header, table, log pane, detail, help, footer.
 * Pure (no timers, no input, no socket), so tests render it at fixed sizes. It draws
 * `rows - 1` lines (see layout.ts).
 */
import {Box, Text} from 'ink';
import type {TaskStatus} from '../../core/ipc/methods.js';
import type {CompiledKeymap, Context} from '../keymap.js';
import {computeLayout, logPage, logsShown, minCols, minRows, scrollOffset, tablePage, type Layout} from '../layout.js';
import type {DetailState} from '../details.js';
import type {LiveData} from '../live.js';
import type {LogFeed} from '../log-feed.js';
import {logEnd} from '../log-scroll.js';
import {keyContext, selectedIndex, type ReduceContext, type UiState} from '../state.js';
import type {Theme} from '../theme.js';
import {Detail} from './Detail.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {Help} from './Help.js';
import {LogPane} from './LogPane.js';
import {Table} from './Table.js';

export type DashboardProps = {
	cols: number;
	rows: number;
	ui: UiState;
	data: LiveData;
	logs: LogFeed;
	/** What `describe` said of the task whose detail is open (null: not asked, or none open). */
	detail?: DetailState | null;
	/** The table's rows: filtered and sorted. */
	view: readonly TaskStatus[];
	filterError: string | null;
	theme: Theme;
	keymap: CompiledKeymap;
};

export function layoutOf(cols: number, rows: number, ui: UiState): Layout {
	return computeLayout({cols, rows, showLogs: ui.showLogs, zoom: ui.zoom, focus: ui.focus, detail: ui.detail});
}

/** What the reducer needs from the screen as it is now. */
export function reduceContextOf(layout: Layout, ui: UiState, view: readonly TaskStatus[], logs: LogFeed): ReduceContext {
	const small = layout.kind === 'small';
	return {
		rows: view,
		tablePage: small ? 0 : tablePage(layout),
		logPage: small ? 0 : logPage(layout),
		logsVisible: !small && logsShown(ui.showLogs, layout.rows),
		small,
		log: {first: logs.ring.first, end: logs.ring.end, find: (query, from, direction) => logs.ring.find(query, from, direction)},
	};
}

function TooSmall({cols, rows}: {cols: number; rows: number}) {
	return (
		<Box flexDirection="column" width={cols} height={Math.max(1, rows - 1)}>
			<Text wrap="wrap" bold>{`terminal too small: need ${minCols}x${minRows}, have ${cols}x${rows}`}</Text>
			<Text dimColor>q quits</Text>
		</Box>
	);
}

export function Dashboard(props: DashboardProps) {
	return (
		<Box flexDirection="column">
			<Screen {...props} />
		</Box>
	);
}

function Screen({cols, rows, ui, data, logs, detail: described = null, view, filterError, theme, keymap}: DashboardProps) {
	const layout = layoutOf(cols, rows, ui);
	if (layout.kind === 'small') {
		return <TooSmall cols={cols} rows={rows} />;
	}

	const ctx = reduceContextOf(layout, ui, view, logs);
	const index = selectedIndex(ui, view);
	const selected = index >= 0 ? view[index] : undefined;
	const offset = scrollOffset(ui.offset, Math.max(0, index), ctx.tablePage, view.length);
	const context = keyContext(ui, false);
	const focusContext: Context = ui.detail ? 'detail' : ui.focus;
	const body = layout.height - 2;
	const empty = data.tasks.size === 0 ? 'no tasks' : `no task matches ${ui.filter}`;

	const table = layout.table ? (
		<Table
			rows={view}
			selected={index}
			offset={offset}
			width={layout.table.width}
			height={layout.table.height}
			sort={ui.sort}
			data={data}
			theme={theme}
			focused={ui.focus === 'table' && layout.logs !== null}
			empty={empty}
		/>
	) : null;
	const logPane = layout.logs ? (
		<LogPane feed={logs} view={ui.log} end={logEnd(ui, ctx)} width={layout.logs.width} height={layout.logs.height} theme={theme} focused={ui.focus === 'logs'} />
	) : null;
	const detail = layout.detail ? (
		<Detail
			task={selected}
			detail={described}
			now={data.now}
			width={layout.detail.width}
			height={layout.detail.height}
			theme={theme}
		/>
	) : null;

	let main;
	if (ui.help) {
		main = <Help keymap={keymap} context={focusContext} offset={ui.helpOffset} width={cols} height={body} theme={theme} />;
	} else if (layout.kind === 'wide' && layout.table && layout.detail) {
		const border = Array.from({length: body}, () => '│').join('\n');
		main = (
			<Box flexDirection="row" height={body}>
				{table}
				<Box width={2} height={body}>
					<Text dimColor>{theme.unicode ? border : border.replaceAll('│', '|')}</Text>
				</Box>
				<Box flexDirection="column" width={layout.detail.width} height={body}>
					{detail}
					{logPane}
				</Box>
			</Box>
		);
	} else {
		main = (
			<Box flexDirection="column" height={body}>
				{detail}
				{table}
				{logPane}
			</Box>
		);
	}

	return (
		<Box flexDirection="column" width={cols} height={layout.height}>
			<Header data={data} theme={theme} width={cols} />
			{main}
			<Footer ui={ui} context={context === 'input' ? focusContext : context} theme={theme} width={cols} shown={view.length} total={data.tasks.size} filterError={filterError} />
		</Box>
	);
}
