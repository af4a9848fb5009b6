/**
 * Ink 6 kept every text it measured (ink#986); with its caches bounded (patches/ink+6.8.0.patch,
 * ink-caches.test.ts) a dashboard whose log pane streams for a long time does not grow the heap.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

// First: it loads React's production build, as `tm top` runs it.
const {renderDashboard} = await import('../../helpers/dashboard-render.js');
const {LogFeed} = await import('../../../src/tui/log-feed.js');
const {liveData, numbered} = await import('../../helpers/dashboard-fixtures.js');

describe('a log pane streaming for a long time', () => {
	it('does not grow the heap frame after frame', async () => {
		setFlagsFromString('--expose-gc');
		const gc = runInNewContext('gc') as () => void;
		const data = liveData(numbered(200));
		const logs = new LogFeed(0, 500);
		logs.reset('worker-0000');
		logs.setStatus('following');
		const dashboard = renderDashboard(data, logs, 80, 24);
		let seq = 0;
		const frames = async (count: number): Promise<void> => {
			for (let frame = 0; frame < count; frame++) {
				for (let line = 0; line < 10; line++) {
					seq++;
					logs.push({seq, at: '', stream: 'stdout', text: `line ${seq} of a task that never stops talking about itself`}, false);
				}

				data.now += 1000;
				dashboard.redraw();
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
			dashboard.unmount();
			data.dispose();
			logs.dispose();
		}
	});
});
