/**
 * The dashboard rendered by Ink in process into a fake terminal, with React's production build
 * as `tm top` runs it (the development build keeps a performance entry per render). For the heap
 * test of a streaming log pane and the frame micro benchmark.
 */
import type {LiveData} from '../../src/tui/live.js';
import type {LogFeed} from '../../src/tui/log-feed.js';
import {FakeStdin, FakeTty} from './fake-terminal.js';

process.env['NODE_ENV'] = 'production';
const {render} = await import('ink');
const {createElement} = await import('react');
const {Dashboard} = await import('../../src/tui/components/Dashboard.js');
const {compileKeymap} = await import('../../src/tui/keymap.js');
const {initialState} = await import('../../src/tui/state.js');
const {createTheme} = await import('../../src/tui/theme.js');
const {compileFilter, visibleTasks} = await import('../../src/tui/view.js');

export type RenderedDashboard = {
	/** What was written to the terminal. */
	stdout: FakeTty;
	/** Renders again with what `data` and `logs` hold now. */
	redraw(): void;
	unmount(): void;
};

/** `data`'s tasks (no filter, the default sort) and `logs` on a `cols`×`rows` terminal; `onFrame` gets each frame's build time. */
export function renderDashboard(data: LiveData, logs: LogFeed, cols: number, rows: number, onFrame?: (ms: number) => void): RenderedDashboard {
	const view = visibleTasks(data.tasks.values(), compileFilter(''), initialState.sort, data.now);
	const props = {cols, rows, ui: initialState, data, logs, view, filterError: null, theme: createTheme({color: true, unicode: true}), keymap: compileKeymap()};
	const stdout = new FakeTty(cols, rows);
	const instance = render(createElement(Dashboard, props), {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
		stderr: stdout as unknown as NodeJS.WriteStream,
		patchConsole: false,
		exitOnCtrlC: false,
		maxFps: 1000,
		onRender: ({renderTime}) => onFrame?.(renderTime),
	});
	return {stdout, redraw: () => instance.rerender(createElement(Dashboard, {...props})), unmount: () => instance.unmount()};
}
