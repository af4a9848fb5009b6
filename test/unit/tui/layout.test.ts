import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {heartbeatLevel} from '../../../src/core/liveness.js';
import {fitColumns, headerText, rowSegments, tinyAge} from '../../../src/tui/columns.js';
import {computeLayout, logPage, scrollOffset, tablePage, type LayoutInput} from '../../../src/tui/layout.js';
import {createTheme} from '../../../src/tui/theme.js';
import {ago, NOW, task} from '../../helpers/dashboard-fixtures.js';

const at = (cols: number, rows: number, more: Partial<LayoutInput> = {}) =>
	computeLayout({cols, rows, showLogs: null, zoom: false, focus: 'table', detail: false, ...more});

describe('layout', () => {
	it('80x24: header, 11 table rows, a log pane of 8 lines, footer, and the last row left empty', () => {
		const layout = at(80, 24);
		assert.ok(layout.kind === 'stack');

		assert.equal(layout.height, 23);
		assert.deepEqual(layout.table, {width: 80, height: 12});
		assert.deepEqual(layout.logs, {width: 80, height: 9});
		assert.equal(tablePage(layout), 11);
		assert.equal(logPage(layout), 8);
		assert.equal(1 + layout.table!.height + layout.logs!.height + 1, layout.height);
	});

	it('below 60x15: too small', () => {
		assert.equal(at(59, 24).kind, 'small');
		assert.equal(at(80, 14).kind, 'small');
		assert.equal(at(60, 15).kind, 'stack');
	});

	it('hides the log pane by itself below 18 rows; l overrides', () => {
		const short = at(80, 17);
		assert.ok(short.kind !== 'small' && short.logs === null && short.table?.height === 14);
		const shown = at(80, 17, {showLogs: true});
		assert.ok(shown.kind !== 'small' && shown.logs !== null);
		const hidden = at(80, 24, {showLogs: false});
		assert.ok(hidden.kind !== 'small' && hidden.logs === null && hidden.table?.height === 21);
	});

	it('big screens: table left, detail and logs right', () => {
		const layout = at(200, 60);
		assert.ok(layout.kind === 'wide');

		assert.equal(layout.table?.width, 116);
		assert.equal(layout.table?.height, 57);
		assert.ok(layout.detail && layout.logs);
		assert.equal(layout.detail.width, 82);
		assert.equal(layout.detail.height + layout.logs.height, 57);
	});

	it('zoom gives the focused pane the whole body; the detail view takes it too', () => {
		const table = at(80, 24, {zoom: true});
		assert.ok(table.kind !== 'small' && table.table?.height === 21 && table.logs === null);
		const logs = at(80, 24, {zoom: true, focus: 'logs'});
		assert.ok(logs.kind !== 'small' && logs.logs?.height === 21 && logs.table === null);
		const detail = at(200, 60, {detail: true});
		assert.ok(detail.kind !== 'small' && detail.detail?.height === 57 && detail.table === null);
	});

	it('scrolls as little as possible to keep the selection in view', () => {
		assert.equal(scrollOffset(0, 5, 10, 100), 0);
		assert.equal(scrollOffset(0, 10, 10, 100), 1);
		assert.equal(scrollOffset(50, 45, 10, 100), 45);
		assert.equal(scrollOffset(95, 99, 10, 100), 90, 'never past the last page');
		assert.equal(scrollOffset(3, 0, 10, 5), 0);
	});
});

describe('columns', () => {
	const ids = (width: number) => fitColumns(width).columns.map(c => c.id);

	it('fit 80 columns with everything but the priority and the info text', () => {
		assert.deepEqual(ids(80), ['state', 'pid', 'uptime', 'cpu', 'mem', 'rst', 'next', 'hb', 'prog']);
		assert.ok(fitColumns(80).nameWidth >= 14);
	});

	it('drop in a fixed order as the width shrinks; name, state and cpu always stay', () => {
		assert.deepEqual(ids(200), ['state', 'cause', 'pid', 'uptime', 'cpu', 'mem', 'rst', 'next', 'hb', 'prog', 'pri', 'info']);
		assert.deepEqual(ids(92), ['state', 'cause', 'pid', 'uptime', 'cpu', 'mem', 'rst', 'next', 'hb', 'prog'], 'the cause goes after the priority');
		assert.deepEqual(ids(75), ['state', 'uptime', 'cpu', 'mem', 'rst', 'next', 'hb', 'prog']);
		assert.deepEqual(ids(60), ['state', 'cpu', 'rst', 'next', 'hb', 'prog']);
		assert.deepEqual(ids(50), ['state', 'cpu', 'rst', 'next', 'hb']);
		assert.deepEqual(ids(30), ['state', 'cpu']);
		let previous = ids(200);
		for (let width = 199; width >= 20; width--) {
			const now = ids(width);
			assert.ok(now.every(id => previous.includes(id)), `a column came back at ${width}`);
			previous = now;
		}
	});

	it('never make a row wider than the table', () => {
		const theme = createTheme({color: true, unicode: true});
		const busy = task('a-very-long-task-name-that-goes-on-and-on', {
			state: 'backoff',
			backoffUntil: new Date(NOW + 42_000).toISOString(),
			progress: 100,
			pid: 4_194_303,
			priority: 100,
			reason: 'exit 1',
		});
		for (const width of [60, 80, 100, 116, 200]) {
			const table = fitColumns(width);
			const text = rowSegments(busy, table, {now: NOW, theme}, true)
				.map(s => s.text)
				.join('');
			assert.equal(text.length, width, `row at ${width}`);
			assert.equal(headerText(table, {key: 'name', desc: false}, theme).length, width, `header at ${width}`);
		}
	});

	it('write retries as n/max while failing to start, and the backoff countdown', () => {
		const theme = createTheme({color: false, unicode: false});
		const failing = task('web', {state: 'backoff', restarts: 4, backoffUntil: new Date(NOW + 12_300).toISOString()});
		const table = fitColumns(80);
		const cells = (t: TaskStatus) => Object.fromEntries(table.columns.map((c, i) => [c.id, rowSegments(t, table, {now: NOW, theme}, false)[i + 3]!.text.trim()]));
		assert.equal(cells(failing)['rst'], '4');
		assert.equal(cells({...failing, failures: 2, maxRetries: 3})['rst'], '2/3', 'from the task’s document alone');
		assert.equal(cells({...failing, state: 'running', failures: 2, maxRetries: 3})['rst'], '4', 'a running task shows its restarts');
		assert.equal(cells(failing)['next'], '13s');
	});

	it('colour the heartbeat late after one heartbeat_interval and overdue at the watchdog, with a mark when there is no colour', () => {
		assert.equal(heartbeatLevel(5000, 10_000, null), 'none');
		assert.equal(heartbeatLevel(5000, 10_000, 30_000), 'ok');
		assert.equal(heartbeatLevel(10_000, 10_000, 30_000), 'late', 'one interval old');
		assert.equal(heartbeatLevel(2500, 2000, 30_000), 'late', 'a short interval is late sooner');
		assert.equal(heartbeatLevel(15_000, 60_000, 30_000), 'late', 'half the watchdog when that comes first');
		assert.equal(heartbeatLevel(31_000, 10_000, 30_000), 'overdue');
		const intervalLate = task('w', {heartbeatAt: ago(3000), watchdogMs: 30_000, heartbeatIntervalMs: 2000});
		const cell = (t: TaskStatus) => rowSegments(t, fitColumns(80), {now: NOW, theme: createTheme({color: true, unicode: true})}, false)[fitColumns(80).columns.findIndex(c => c.id === 'hb') + 3]!;
		assert.equal(cell(intervalLate).hue, 'yellow', 'one heartbeat_interval (2s) late');
		assert.equal(cell({...intervalLate, heartbeatIntervalMs: 10_000}).hue, 'green');
		const late = task('w', {heartbeatAt: ago(45_000), watchdogMs: 30_000});
		const table = fitColumns(80);
		const hb = table.columns.findIndex(c => c.id === 'hb') + 3;
		const mono = rowSegments(late, table, {now: NOW, theme: createTheme({color: false, unicode: true})}, false)[hb]!;
		assert.equal(mono.text.trim(), '45s!');
		assert.equal(mono.hue, undefined);
		const colour = rowSegments(late, table, {now: NOW, theme: createTheme({color: true, unicode: true})}, false)[hb]!;
		assert.equal(colour.text.trim(), '45s');
		assert.equal(colour.hue, 'red');
	});

	it('take the watchdog from the task list when the daemon sends it, and show the next scheduled run', () => {
		const theme = createTheme({color: true, unicode: true});
		const table = fitColumns(80);
		const cell = (t: ReturnType<typeof task>, id: string) => rowSegments(t, table, {now: NOW, theme}, false)[table.columns.findIndex(c => c.id === id) + 3]!;
		const late = task('w', {heartbeatAt: ago(20_000), watchdogMs: 30_000});
		assert.equal(cell(late, 'hb').hue, 'yellow');
		const scheduled = task('nightly', {state: 'queued', pid: null, nextRunAt: new Date(NOW + 125_000).toISOString()});
		assert.equal(cell(scheduled, 'next').text.trim(), '2m');
	});

	it('write short ages', () => {
		assert.deepEqual([5_000, 125_000, 7_200_000, 200_000_000].map(tinyAge), ['5s', '2m', '2h', '2d']);
	});
});
