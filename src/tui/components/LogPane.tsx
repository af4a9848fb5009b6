// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The selected task's output: a title (task, follow state, rate, drops, search) and the lines
 * that fit, newest at the bottom; stderr lines carry a marker in the gutter.
 */
import {Box} from 'ink';
import type {Segment} from '../columns.js';
import {cleanLine, fit} from '../format.js';
import type {LogFeed} from '../log-feed.js';
import {logWindow} from '../log-ring.js';
import type {LogView} from '../state.js';
import type {Theme} from '../theme.js';
import {Line, TextLine} from './Line.js';

export type LogPaneProps = {
	feed: LogFeed;
	view: LogView;
	/** One past the last line shown (the newest while following). */
	end: number;
	width: number;
	/** Rows of the pane, title included. */
	height: number;
	theme: Theme;
	focused: boolean;
};

function rate(perSecond: number): string {
	return perSecond >= 1000 ? `${(perSecond / 1000).toFixed(1)}k l/s` : `${Math.round(perSecond)} l/s`;
}

export function logTitle(feed: LogFeed, view: LogView, end: number, theme: Theme, width: number): string {
	const dot = ` ${theme.dot} `;
	const parts: string[] = [`logs ${feed.taskId ?? '(no task)'}`];
	if (feed.status === 'loading') {
		parts.push('loading…');
	} else if (feed.status === 'error') {
		parts.push(feed.error ?? 'error');
	} else if (feed.status === 'following') {
		parts.push(view.follow ? 'following' : `line ${end - feed.ring.first}/${feed.ring.size} (G follows)`);
		const perSecond = feed.currentRate();
		if (perSecond > 0) {
			parts.push(rate(perSecond));
		}
	}

	if (feed.dropped > 0) {
		parts.push(`${feed.dropped} dropped`);
	}

	if (view.wrap) {
		parts.push('wrap');
	}

	if (view.search) {
		parts.push(`/${view.search}`);
	}

	const text = `${theme.rule} ${parts.join(dot)} `;
	return text.length >= width ? fit(text, width, 'left', theme.ellipsis) : text + theme.rule.repeat(width - text.length);
}

export function LogPane({feed, view, end, width, height, theme, focused}: LogPaneProps) {
	const page = Math.max(0, height - 1);
	const textWidth = Math.max(1, width - 2);
	const rows = logWindow(feed.ring, end, page, textWidth, view.wrap, cleanLine);
	const gutter = (stream: 'stdout' | 'stderr', continued: boolean): Segment =>
		stream === 'stderr' ? {text: `${continued ? ' ' : theme.stderr} `, hue: theme.hue('red'), bold: true} : {text: '  '};
	return (
		<Box flexDirection="column" width={width} height={height}>
			<TextLine text={logTitle(feed, view, end, theme, width)} bold={focused} inverse={focused && !theme.color} hue={focused ? theme.hue('cyan') : undefined} />
			{rows.map((row, i) => (
				// Keyed by position: a new line reuses the row's node instead of mounting one.
				<Line key={i} segments={[gutter(row.stream, row.continued), {text: row.text}]} inverse={view.hit === row.index} />
			))}
		</Box>
	);
}
