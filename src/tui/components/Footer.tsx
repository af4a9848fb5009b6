// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The bottom row: a filter or search being typed, a y/N question, the signal menu, the last
 * message, or the keys that work where the focus is.
 */
import {Text} from 'ink';
import type {Context} from '../keymap.js';
import {signals, type UiState} from '../state.js';
import type {Theme} from '../theme.js';
import {Line, TextLine} from './Line.js';

/** Key hints per context, most useful first; `? help  q quit` always show. */
const hints: Partial<Record<Context, string[]>> = {
	table: ['j/k move', '/ filter', 'r restart', 'x stop', 's start', 'K signal', 'Enter detail', 'Tab logs', 'p pause', 'l logs', 'z zoom'],
	logs: ['j/k scroll', '/ search', 'n/N match', 'f follow', 'G end', 'w wrap', 'z zoom', 'Tab table'],
	detail: ['Esc back', 'j/k next task', 'r restart', 'x stop', 's start', 'K signal', 'p pause', 'c cancel'],
	help: ['Esc close', 'j/k scroll'],
	small: [],
};

/** As many hints as fit in `width` after `lead`, then `? help  q quit`. */
export function hintLine(lead: string, items: readonly string[], width: number): string {
	const tail = '? help  q quit';
	let line = lead;
	for (const item of items) {
		if (line.length + item.length + 2 + tail.length > width) {
			break;
		}

		line += `${item}  `;
	}

	return line + tail;
}

export type FooterProps = {
	ui: UiState;
	context: Context;
	theme: Theme;
	width: number;
	/** Rows the filter keeps, and all tasks. */
	shown: number;
	total: number;
	filterError: string | null;
};

export function Footer({ui, context, theme, width, shown, total, filterError}: FooterProps) {
	const dot = ` ${theme.dot} `;
	if (ui.input) {
		const what = ui.input.kind === 'filter' ? `filter (${shown}/${total})` : 'search';
		const tail = ui.input.kind === 'filter' ? '  Enter keep  Esc clear' : '  Enter find  Esc cancel';
		return <Line width={width} segments={[{text: `${what}: `, bold: true}, {text: `${ui.input.text}_`}, {text: tail, dim: true}]} />;
	}

	const prompt = ui.prompt;
	if (prompt?.kind === 'confirm') {
		return (
			<Line
				width={width}
				segments={[
					{text: `${prompt.text} `, bold: true, hue: theme.hue('yellow')},
					{text: 'y/N', bold: true},
					...(prompt.all ? [{text: `${dot}a: ${prompt.all.text}`, bold: true}] : []),
				]}
			/>
		);
	}

	if (prompt?.kind === 'signal') {
		return (
			<Text wrap="truncate-end">
				<Text bold>{`signal ${prompt.label}:`}</Text>
				{signals.map((signal, i) => (
					<Text key={signal} inverse={i === prompt.index} bold={i === prompt.index}>
						{`${i === prompt.index ? theme.selected : ' '}${signal.slice(3)}`}
					</Text>
				))}
				<Text dimColor>{`  Enter send${prompt.all ? `  a: ${prompt.all.label}` : ''}  Esc cancel`}</Text>
			</Text>
		);
	}

	if (ui.message) {
		return <TextLine text={ui.message.text} width={width} hue={ui.message.error ? theme.hue('red') : theme.hue('green')} bold={ui.message.error} />;
	}

	const filter = ui.filter ? `filter ${ui.filter} (${shown}/${total})${filterError ? ' bad regex' : ''}  Esc clear${dot}` : '';
	return <TextLine text={hintLine(filter, hints[context] ?? [], width)} width={width} dim={!ui.filter} />;
}
