/**
 * Ink 6 kept every text it measured (ink#986); with its caches bounded (patches/ink+6.8.0.patch,
 * ink-caches.test.ts) a dashboard whose log pane streams for a long time does not grow the heap.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

// React's development build keeps a performance entry per render; measure what `tm top` runs.
process.env['NODE_ENV'] = 'production';
const {render} = await import('ink');
const {createElement} = await import('react');
const {Dashboard} = await import('../../../src/tui/components/Dashboard.js');
const {compileKeymap} = await import('../../../src/tui/keymap.js');
const {LogFeed} = await import('../../../src/tui/log-feed.js');
const {initialState} = await import('../../../src/tui/state.js');
const {createTheme} = await import('../../../src/tui/theme.js');
const {compileFilter, visibleTasks} = await import('../../../src/tui/view.js');
const {liveData, NOW, numbered} = await import('../../helpers/dashboard-fixtures.js');
const {FakeStdin, FakeTty} = await import('../../helpers/fake-terminal.js');

describe('a log pane streaming for a long time', () => {
	it('does not grow the heap frame after frame', async () => {
		setFlagsFromString('--expose-gc');
		const gc = runInNewContext('gc') as () => void;
		const data = liveData(numbered(200));
		const logs = new LogFeed(0, 500);
		logs.reset('worker-0000');
		logs.setStatus('following');
		const view = visibleTasks(data.tasks.values(), compileFilter(''), initialState.sort, NOW);
		const props = {cols: 80, rows: 24, ui: initialState, data, logs, view, filterError: null, theme: createTheme({color: true, unicode: true}), keymap: compileKeymap()};
		const stdout = new FakeTty();
		const instance = render(createElement(Dashboard, props), {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
			stderr: stdout as unknown as NodeJS.WriteStream,
			patchConsole: false,
			exitOnCtrlC: false,
			maxFps: 1000,
		});
		let seq = 0;
		const frames = async (count: number): Promise<void> => {
			for (let frame = 0; frame < count; frame++) {
				for (let line = 0; line < 10; line++) {
					seq++;
					logs.push({seq, at: '', stream: 'stdout', text: `line ${seq} of a task that never stops talking about itself`}, false);
				}

				data.now += 1000;
				instance.rerender(createElement(Dashboard, {...props}));
				if (frame % 100 === 0) {
					await new Promise(resolve => setImmediate(resolve));
				}
			}
		};

		try {
			await frames(300);
			gc();
			const before = process.memoryUsage().heapUsed;
			await frames(2000);
			gc();
			const grown = process.memoryUsage().heapUsed - before;
			// Ink's own cache kept about 2 KB a frame here: 4 MB for 2,000 frames.
			assert.ok(grown < 1024 * 1024, `heap grew by ${(grown / 1024).toFixed(0)} KB over 2,000 frames`);
		} finally {
			instance.unmount();
			data.dispose();
			logs.dispose();
		}
	});
});
