// @jsxRuntime automatic
// @jsxImportSource react
/**
 * The `?` overlay: the keys that work in the pane that had the focus, from the keymap itself.
 */
import {Box} from 'ink';
import {helpRows, type CompiledKeymap, type Context} from '../keymap.js';
import {fit} from '../format.js';
import type {Theme} from '../theme.js';
import {Line, TextLine} from './Line.js';

const names: Partial<Record<Context, string>> = {table: 'task table', logs: 'log pane', detail: 'task detail'};

export function Help({keymap, context, offset, width, height, theme}: {keymap: CompiledKeymap; context: Context; offset: number; width: number; height: number; theme: Theme}) {
	const rows = helpRows(keymap, context);
	const title = `${theme.rule} keys in the ${names[context] ?? context} (Esc closes) `;
	const page = Math.max(0, height - 1);
	const first = Math.max(0, Math.min(offset, rows.length - page));
	const keysWidth = Math.min(24, Math.max(...rows.map(r => r.keys.length), 4) + 2);
	return (
		<Box flexDirection="column" width={width} height={height}>
			<TextLine text={title + theme.rule.repeat(Math.max(0, width - title.length))} width={width} bold />
			{rows.slice(first, first + page).map((row, i) => (
				<Line key={i} width={width} segments={[{text: `  ${fit(row.keys, keysWidth)}`, bold: true, hue: theme.hue('cyan')}, {text: row.help}]} />
			))}
		</Box>
	);
}
