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

const hints: Partial<Record<Context, string>> = {
	table: 'j/k move  / filter  s start  x stop  r restart  K signal  p pause  Enter detail  Tab logs  ? help  q quit',
	logs: 'j/k scroll  / search  n/N match  f follow  w wrap  G end  z zoom  Tab table  ? help  q quit',
	detail: 'Esc back  j/k next task  s start  x stop  r restart  K signal  p pause  c cancel  ? help  q quit',
	help: 'Esc close  j/k scroll',
	small: 'q quit',
};

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
		return <Line segments={[{text: `${what}: `, bold: true}, {text: `${ui.input.text}_`}, {text: tail, dim: true}]} />;
	}

	const prompt = ui.prompt;
	if (prompt?.kind === 'confirm') {
		return (
			<Line
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
				<Text bold>{`signal ${prompt.label}: `}</Text>
				{signals.map((signal, i) => (
					<Text key={signal} inverse={i === prompt.index} bold={i === prompt.index}>
						{`${i === prompt.index ? theme.selected : ' '}${signal.slice(3)} `}
					</Text>
				))}
				<Text dimColor>{` Enter send${prompt.all ? `  a: ${prompt.all.label}` : ''}  Esc cancel`}</Text>
			</Text>
		);
	}

	if (ui.message) {
		return <TextLine text={ui.message.text} hue={ui.message.error ? theme.hue('red') : theme.hue('green')} bold={ui.message.error} />;
	}

	const filter = ui.filter ? `filter ${ui.filter} (${shown}/${total})${filterError ? ' bad regex' : ''}  Esc clear${dot}` : '';
	const text = filter + (hints[context] ?? '');
	return <TextLine text={text.length > width ? text.slice(0, width) : text} dim={!ui.filter} />;
}
