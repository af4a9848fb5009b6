/**
 * The task table's columns: titles, widths, the order they drop in as the width shrinks, and
 * how each cell of a task is written. A row is a few pre-padded text segments, so Ink lays out
 * one text node per row instead of one box per cell.
 */
import type {TaskStatus} from '../core/ipc/methods.js';
import {heartbeatLevel} from '../core/liveness.js';
import {finishedStates} from '../core/model.js';
import {ageOf, countdown, fit, NONE, progressBar, shortBytes, shortDuration, shortPercent} from './format.js';
import type {Hue, Theme} from './theme.js';
import type {Sort, SortKey} from './view.js';

export type ColumnId = 'state' | 'cause' | 'pid' | 'uptime' | 'cpu' | 'mem' | 'rst' | 'next' | 'hb' | 'prog' | 'pri' | 'info';

/** A piece of a row with one style. */
export type Segment = {text: string; hue?: Hue; bold?: boolean; dim?: boolean};

export type CellContext = {now: number; theme: Theme};

type ColumnSpec = {
	id: ColumnId;
	title: string;
	width: number;
	align: 'left' | 'right';
	sort?: SortKey;
	cell(task: TaskStatus, ctx: CellContext): Segment;
};

/** Where the row's fixed part ends: selection marker, state glyph, a space. */
export const rowPrefix = 3;
export const nameMin = 14;
export const nameMax = 32;
export const infoMin = 12;

/** An age in at most 3 characters plus a unit: 42s, 12m, 5h, 3d. */
export function tinyAge(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 60) {
		return `${s}s`;
	}

	if (s < 3600) {
		return `${Math.floor(s / 60)}m`;
	}

	if (s < 172_800) {
		return `${Math.floor(s / 3600)}h`;
	}

	return `${Math.floor(s / 86_400)}d`;
}

const liveStates = new Set(['running', 'starting', 'paused', 'stopping']);

/** Whether the task is going through failed starts: its count against the limit is shown. */
function retrying(task: TaskStatus): boolean {
	return task.failures > 0 && (task.state === 'backoff' || task.state === 'starting' || task.state === 'queued');
}

const columnSpecs: readonly ColumnSpec[] = [
	{
		id: 'state',
		title: 'STATE',
		width: 9,
		align: 'left',
		sort: 'state',
		cell: (task, {theme}) => ({text: task.state, hue: theme.stateHue(task.state)}),
	},
	// Why it is in that state, as the stable word: a timeout (failed, max_runtime) or a cancel (stopped, cancelled) at a glance.
	{id: 'cause', title: 'CAUSE', width: 12, align: 'left', cell: task => ({text: task.cause, dim: true})},
	{id: 'pid', title: 'PID', width: 7, align: 'right', sort: 'pid', cell: task => ({text: task.pid === null ? NONE : String(task.pid)})},
	{
		id: 'uptime',
		title: 'UPTIME',
		width: 6,
		align: 'right',
		sort: 'uptime',
		cell: (task, {now}) => {
			const age = task.endedAt === null ? ageOf(task.startedAt, now) : null;
			return {text: age === null ? NONE : shortDuration(age)};
		},
	},
	{id: 'cpu', title: 'CPU%', width: 4, align: 'right', sort: 'cpu', cell: task => ({text: task.cpu === null ? NONE : shortPercent(task.cpu)})},
	{id: 'mem', title: 'MEM', width: 4, align: 'right', sort: 'memory', cell: task => ({text: task.memory === null ? NONE : shortBytes(task.memory)})},
	{
		id: 'rst',
		title: 'RST',
		width: 5,
		align: 'right',
		sort: 'restarts',
		cell: (task, {theme}) => (retrying(task) ? {text: `${task.failures}/${task.maxRetries}`, hue: theme.hue('yellow')} : {text: String(task.restarts)}),
	},
	{
		id: 'next',
		title: 'NEXT',
		width: 4,
		align: 'right',
		cell: (task, {now, theme}) => {
			// The next attempt while backing off; a delayed job's time; the next run of a scheduled task waiting for it.
			const until = task.state === 'backoff' ? ageOf(task.backoffUntil, now) : null;
			if (until !== null) {
				return {text: countdownShort(-until), hue: theme.hue('yellow')};
			}

			const eligible = ageOf(task.eligibleAt, now);
			if (eligible !== null) {
				return {text: countdownShort(-eligible)};
			}

			const run = task.state === 'queued' || task.state === 'completed' || task.state === 'stopped' ? ageOf(task.nextRunAt ?? null, now) : null;
			return run === null ? {text: ''} : {text: countdownShort(-run)};
		},
	},
	{
		id: 'hb',
		title: 'HB',
		width: 4,
		align: 'right',
		cell: (task, {now, theme}) => {
			const age = liveStates.has(task.state) ? ageOf(task.heartbeatAt, now) : null;
			if (age === null) {
				return {text: NONE, dim: true};
			}

			const level = heartbeatLevel(age, task.heartbeatIntervalMs, task.watchdogMs);
			const text = tinyAge(age);
			switch (level) {
				case 'overdue': {
					return {text: theme.color ? text : `${text}!`, hue: theme.hue('red'), bold: true};
				}

				case 'late': {
					return {text, hue: theme.hue('yellow')};
				}

				case 'ok': {
					return {text, hue: theme.hue('green')};
				}

				default: {
					return {text};
				}
			}
		},
	},
	{
		id: 'prog',
		title: 'PROGRESS',
		width: 9,
		align: 'left',
		cell: (task, {theme}) =>
			task.progress === null
				? {text: ''}
				: {text: `${progressBar(task.progress, 4, theme.unicode)} ${String(Math.round(task.progress)).padStart(3)}%`, hue: theme.hue('cyan')},
	},
	{id: 'pri', title: 'PRI', width: 3, align: 'right', sort: 'priority', cell: task => ({text: String(task.priority)})},
	{
		id: 'info',
		title: 'INFO',
		width: infoMin,
		align: 'left',
		// A finished task says how it ended, not the last STATUS= or progress its process sent.
		cell: task => ({text: finishedStates.has(task.state) ? task.reason : (task.status ?? (task.progressText || task.reason)), dim: true}),
	},
];

/** A countdown in at most 4 characters. */
function countdownShort(ms: number): string {
	return ms < 60_000 ? countdown(ms) : tinyAge(ms);
}

/** The order columns go as the table narrows (first gone first). NAME, STATE and CPU% always stay. */
export const dropOrder: readonly ColumnId[] = ['info', 'pri', 'cause', 'pid', 'uptime', 'mem', 'prog', 'hb', 'next', 'rst'];

export type Column = ColumnSpec & {width: number};

export type TableColumns = {nameWidth: number; columns: Column[]};

/** The columns that fit in `width`, with NAME (and INFO, when it stays) sized to what is left. */
export function fitColumns(width: number): TableColumns {
	const kept = new Set<ColumnId>(columnSpecs.map(c => c.id));
	const fixedOf = (): number => columnSpecs.filter(c => kept.has(c.id) && c.id !== 'info').reduce((sum, c) => sum + 1 + c.width, 0);
	const need = (): number => rowPrefix + nameMin + fixedOf() + (kept.has('info') ? 1 + infoMin : 0);
	for (const id of dropOrder) {
		if (need() <= width) {
			break;
		}

		kept.delete(id);
	}

	const spare = Math.max(0, width - rowPrefix - fixedOf());
	let nameWidth: number;
	let infoWidth = 0;
	if (kept.has('info')) {
		nameWidth = Math.min(nameMax, spare - 1 - infoMin);
		infoWidth = spare - nameWidth - 1;
	} else {
		nameWidth = Math.max(1, spare);
	}

	const columns = columnSpecs.filter(c => kept.has(c.id)).map(c => ({...c, width: c.id === 'info' ? infoWidth : c.width}));
	return {nameWidth, columns};
}

/** The column header: titles aligned like the cells, with ▲/▼ on the sorted column. */
export function headerText(table: TableColumns, sort: Sort, theme: Theme): string {
	const arrow = sort.desc ? theme.down : theme.up;
	const title = (text: string, key: SortKey | undefined): string => (key === sort.key ? `${text}${arrow}` : text);
	let line = ' '.repeat(rowPrefix) + fit(title('NAME', 'name'), table.nameWidth);
	for (const column of table.columns) {
		line += ` ${fit(title(column.title, column.sort), column.width, column.align)}`;
	}

	return line;
}

/** One row's segments: prefix and name, then each cell padded to its column. */
export function rowSegments(task: TaskStatus, table: TableColumns, ctx: CellContext, selected: boolean): Segment[] {
	const {theme} = ctx;
	const segments: Segment[] = [
		{text: selected ? theme.selected : ' '},
		{text: theme.stateGlyph(task.state), hue: theme.stateHue(task.state)},
		{text: ` ${fit(task.name, table.nameWidth, 'left', theme.ellipsis)}`, bold: selected},
	];
	for (const column of table.columns) {
		const cell = column.cell(task, ctx);
		segments.push({...cell, text: ` ${fit(cell.text, column.width, column.align, theme.ellipsis)}`});
	}

	return segments;
}
