/**
 * The dashboard drawn by Ink at fixed terminal sizes (ink-testing-library), from fixed data.
 */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import chalk from 'chalk';
import {cleanup} from 'ink-testing-library';
import {createElement} from 'react';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {Dashboard, type DashboardProps} from '../../../src/tui/components/Dashboard.js';
import {compileKeymap} from '../../../src/tui/keymap.js';
import type {DetailState} from '../../../src/tui/details.js';
import type {LiveData} from '../../../src/tui/live.js';
import {LogFeed} from '../../../src/tui/log-feed.js';
import {initialState, type UiState} from '../../../src/tui/state.js';
import {createTheme} from '../../../src/tui/theme.js';
import {compileFilter, visibleTasks} from '../../../src/tui/view.js';
import {ago, detail, lines, liveData, NOW, numbered, renderAt, task} from '../../helpers/dashboard-fixtures.js';

afterEach(() => cleanup());
// Ink's chalk turns styles off when the test runner's stdout is not a terminal.
chalk.level = 1;

const keymap = compileKeymap();
const colour = createTheme({color: true, unicode: true});

function feedOf(taskId: string, texts: Array<[string, 'stdout' | 'stderr']>): LogFeed {
	const feed = new LogFeed(0, 1000);
	feed.reset(taskId);
	texts.forEach(([text, stream], i) => feed.push({seq: i + 1, at: '', stream, text}, false));
	feed.setStatus('following');
	feed.dispose();
	return feed;
}

function draw(
	cols: number,
	rows: number,
	data: LiveData,
	{
		ui = initialState,
		logs = new LogFeed(0),
		theme = colour,
		detail: described = null,
	}: {ui?: UiState; logs?: LogFeed; theme?: DashboardProps['theme']; detail?: DetailState | null} = {},
) {
	const view = visibleTasks(data.tasks.values(), compileFilter(ui.filter), ui.sort, NOW);
	const props: DashboardProps = {cols, rows, ui, data, logs, detail: described, view, filterError: null, theme, keymap};
	const screen = renderAt(createElement(Dashboard, props), cols, rows);
	return {screen, text: lines(screen.lastFrame()), raw: screen.lastFrame() ?? ''};
}

const sample: TaskStatus[] = [
	task('web:0', {pid: 4301, restarts: 2, heartbeatAt: ago(4000), progress: 42, progressText: 'copying 3/7'}),
	task('web:1', {state: 'backoff', pid: null, startedAt: null, cpu: null, memory: null, restarts: 5, backoffUntil: new Date(NOW + 12_000).toISOString()}),
	task('worker', {state: 'fatal', pid: null, startedAt: null, cpu: null, memory: null, reason: 'exit 1'}),
	task('j-7f3a', {kind: 'job', state: 'queued', pid: null, startedAt: null, cpu: null, memory: null, priority: 10}),
];

describe('Dashboard at 80x24', () => {
	it('draws 23 lines: header, column titles, rows, the log pane, the footer', () => {
		const data = liveData(sample);
		const logs = feedOf('j-7f3a', [
			['hello', 'stdout'],
			['it broke', 'stderr'],
		]);
		const {text} = draw(80, 24, data, {logs});
		assert.equal(text.length, 23, text.join('\n'));
		assert.ok(text.every(line => line.length <= 80));
		// The capacity stays; host load and memory give way to it at 80 columns.
		assert.match(text[0]!, /^host-a · up 1h02m · 4 tasks ◌1 ●1 ↻1 ✘1 · slots 1 · claimed 0B\/8G 0\/4 CPU\s*$/);
		assert.match(text[1]!, /NAME▲ +STATE +PID UPTIME CPU% +MEM +RST NEXT +HB PROGRESS/);
		// Sorted by name: j-7f3a first, and it is selected.
		assert.match(text[2]!, /^>◌ j-7f3a +queued +– +– +– +– +0/);
		assert.match(text[3]!, /^ ● web:0 +running +4301 +1m05s +1\.5 +30M +2 +4s █▋ +42%/);
		assert.match(text[4]!, /^ ↻ web:1 +backoff +– +– +– +– +5 +12s +–/);
		assert.match(text[5]!, /^ ✘ worker +fatal/);
		assert.match(text[13]!, /^─ logs j-7f3a · following ─+$/);
		assert.equal(text[14], '  hello');
		assert.equal(text[15], '┃ it broke');
		assert.match(text[22]!, /^j\/k move/);
	});

	it('shows the selection without colour: inverse and a > marker', () => {
		const mono = createTheme({color: false, unicode: true});
		const {raw, text} = draw(80, 24, liveData(sample), {theme: mono});
		// eslint-disable-next-line no-control-regex
		assert.doesNotMatch(raw, /\u001B\[3[0-79]m/, 'no foreground colour');
		const selected = raw.split('\n')[2]!;
		assert.ok(selected.includes('\u001B[7m'), 'inverse');
		assert.ok(text[2]!.startsWith('>'));
		assert.ok(!text[3]!.startsWith('>'));
	});

	it('mounts only the rows that fit, whatever the number of tasks', () => {
		const data = liveData(numbered(1000));
		const {text} = draw(80, 24, data);
		const rows = text.filter(line => /worker-\d{4}/.test(line));
		assert.equal(rows.length, 11);
		assert.match(text[0]!, /1000 tasks ●1000/);
	});

	it('scrolls the table to the selection', () => {
		const data = liveData(numbered(1000));
		const {text} = draw(80, 24, data, {ui: {...initialState, selected: 'worker-0500', offset: 0}});
		assert.match(text[12]!, /^>● worker-0500/);
	});

	it('says which filter is on and what it kept, and when nothing matches', () => {
		const data = liveData(sample);
		const {text} = draw(80, 24, data, {ui: {...initialState, filter: 'web'}});
		assert.equal(text.filter(line => /^[ >]\S web:/.test(line)).length, 2);
		assert.match(text[22]!, /^filter web \(2\/4\)/);
		const none = draw(80, 24, data, {ui: {...initialState, filter: 'zzz'}}).text;
		assert.match(none[2]!, /no task matches zzz/);
	});

	it('asks y/N in the footer, with the bulk count when a filter selects several', () => {
		const ui: UiState = {
			...initialState,
			filter: 'web',
			prompt: {
				kind: 'confirm',
				text: 'Restart web:0?',
				yes: {kind: 'act', verb: 'restart', names: ['web:0']},
				all: {text: 'all 2 matching web', effect: {kind: 'act', verb: 'restart', names: ['web:0', 'web:1']}},
			},
		};
		assert.equal(draw(80, 24, liveData(sample), {ui}).text[22], 'Restart web:0? y/N · a: all 2 matching web');
	});

	it('shows the detail view on Enter: the live part from the task’s document, the config’s from describe', () => {
		// The document says what changes with events; describe's copy of those fields is stale on purpose.
		const web0 = {
			...sample[0]!,
			watchdogMs: 30_000,
			failures: 1,
			lastExit: {code: 1, signal: null, at: ago(90_000)},
			checkpointBytes: 2048,
			cause: 'spawned' as const,
		};
		const data = liveData([web0, ...sample.slice(1)]);
		const described: DetailState = {taskId: 'web:0', status: 'ready', detail: detail(sample[0]!, {dependsOn: {db: 'ready'}})};
		const {text} = draw(80, 24, data, {ui: {...initialState, selected: 'web:0', detail: true}, detail: described});
		const body = text.join('\n');
		assert.match(text[1]!, /^─ detail web:0 ─+$/);
		for (const expected of [
			/state +running started/,
			/cause +spawned/,
			/command +sleep 1000/,
			/cwd +\/srv\/app · user –/,
			/restart +unexpected · exit codes 0 · stop SIGTERM then KILL after 10s/,
			/retries +1\/3 failed starts · 2 restarts · attempt 1/,
			/last exit +exit 1 at \d\d:\d\d:\d\d \(1m30s ago\)/,
			/heartbeat +expected every 10s · watchdog 30s · last 4s ago/,
			/progress +42% copying 3\/7/,
			/checkpoint +2\.0K/,
			/stdout +\/home\/logs\/web:0\.out\.log/,
			/depends on +db \(ready\)/,
		]) {
			assert.match(body, expected);
		}
	});

	it('says so in the detail when the daemon does not answer describe, and shows the document meanwhile', () => {
		const data = liveData(sample);
		const ui: UiState = {...initialState, selected: 'web:0', detail: true};
		const {text} = draw(80, 24, data, {ui, detail: {taskId: 'web:0', status: 'unsupported'}});
		assert.match(text.join('\n'), /does not answer `describe` yet/);
		assert.match(text.join('\n'), /retries +0\/3 failed starts · 2 restarts/);
		const loading = draw(80, 24, data, {ui, detail: {taskId: 'web:1', status: 'ready', detail: detail(sample[1]!)}});
		assert.match(loading.text.join('\n'), /loading…/, 'another task’s answer is not shown as this one’s');
		assert.doesNotMatch(loading.text.join('\n'), /command/);
	});

	it('lists the keys of the focused pane in the help overlay', () => {
		const table = draw(80, 24, liveData(sample), {ui: {...initialState, help: true}}).text.join('\n');
		assert.match(table, /keys in the task table/);
		assert.match(table, /restart \(asks y\/N\)/);
		const logs = draw(80, 24, liveData(sample), {ui: {...initialState, help: true, focus: 'logs'}}).text.join('\n');
		assert.match(logs, /keys in the log pane/);
		assert.match(logs, /search the log/);
	});

	it('shows the slots in use and the memory and CPUs claimed against the capacity, in 80 columns', () => {
		const G = 1024 ** 3;
		const tasks = [
			task('etl', {kind: 'job', requires: {memory: 2 * G, cpu: 1.5}}),
			task('web:0', {requires: {memory: 512 * 1024 ** 2, cpu: 0.5}}),
			task('paused', {state: 'paused', requires: {memory: G, cpu: 0}}),
			task('big', {kind: 'job', state: 'queued', pid: null, requires: {memory: 16 * G, cpu: 4}}),
			task('done', {kind: 'job', state: 'completed', pid: null, requires: {memory: 8 * G, cpu: 2}}),
		];
		const data = liveData(tasks);
		data.daemon = {...data.daemon!, capacity: {slots: 4, memory: 12 * G, cpu: 4, claimed: {slots: 0, memory: 0, cpu: 0}}};
		// Claimed: the tasks holding slots (running, paused…), from the task documents; queued and finished ones claim nothing.
		const header = draw(80, 24, data).text[0]!;
		assert.ok(header.length <= 80, header);
		assert.match(header, / · slots 3\/4 · claimed 3\.5G\/12G 2\/4 CPU\s*$/);
		const wide = draw(200, 60, data).text[0]!;
		assert.match(wide, /^tm top · host-a · up 1h02m · 5 tasks .* · slots 3\/4 · claimed 3\.5G\/12G 2\/4 CPU · load 0\.50 0\.40 0\.30 · mem 2\.0G\/8\.0G\s*$/);
		const narrow = draw(60, 15, data).text[0]!;
		assert.ok(narrow.length <= 60, narrow);
		assert.match(narrow, /· slots 3\/4 3\.5G\/12G 2\/4cpu\s*$/);
		const ascii = draw(80, 24, data, {theme: createTheme({color: false, unicode: false})}).text[0]!;
		assert.match(ascii, / \| slots 3\/4 \| claimed 3\.5G\/12G 2\/4 CPU/);
		// A reload's new limits come with the feed's task updates.
		data.applyTasks({tasks: [], removed: [], host: data.host, at: new Date(NOW).toISOString(), capacity: {slots: null, memory: null, cpu: 8, claimed: {slots: 3, memory: 0, cpu: 2}}});
		data.now = NOW;
		assert.match(draw(80, 24, data).text[0]!, / · slots 3 · claimed 2\/8 CPU · load 0\.50/);
		// An older daemon sends no capacity: the header is as it was.
		data.daemon = {...data.daemon!, capacity: undefined};
		assert.match(draw(80, 24, data).text[0]!, /^tm top · host-a · up 1h02m · 5 tasks .* · load 0\.50 · mem 2\.0G\/8\.0G\s*$/);
	});

	it('shows the daemon going away in the header', () => {
		const data = liveData(sample);
		data.connection = {status: 'disconnected', error: 'no tm daemon is running', attempts: 3};
		assert.match(draw(80, 24, data).text[0]!, /^tm top · disconnected — retrying \(3\): no tm daemon/);
	});
});

describe('Dashboard at other sizes', () => {
	it('200x60: table left with every column, detail and logs right', () => {
		const data = liveData(numbered(1000, i => ({status: i === 0 ? 'warming cache' : null})));
		const described: DetailState = {taskId: 'worker-0000', status: 'ready', detail: detail(data.tasks.get('worker-0000')!)};
		const logs = feedOf('worker-0000', [['booting', 'stdout']]);
		const {text} = draw(200, 60, data, {logs, detail: described});
		assert.equal(text.length, 59);
		assert.match(text[1]!, /NAME▲ +STATE +CAUSE +PID UPTIME CPU% +MEM +RST NEXT +HB PROGRESS +PRI INFO +│ ─ detail worker-0000 ─+$/);
		assert.match(text[2]!, /^>● worker-0000 +running +none .* warming ca\S* *│ state +running started/);
		assert.ok(text.some(line => /│ ─ logs worker-0000 · following ─+$/.test(line)));
		assert.ok(text.some(line => /│ {3}booting$/.test(line)));
		assert.equal(text.filter(line => /^[ >]● worker-\d{4}/.test(line)).length, 56);
	});

	it('60x15: narrower columns and no log pane', () => {
		const {text} = draw(60, 15, liveData(sample));
		assert.equal(text.length, 14);
		assert.match(text[1]!, /NAME▲ +STATE +CPU% +RST NEXT +HB PROGRESS\s*$/);
		assert.ok(!text.some(line => line.includes('─ logs')));
	});

	it('below 60x15: terminal too small', () => {
		const {text} = draw(59, 20, liveData(sample));
		assert.match(text[0]!, /terminal too small: need 60x15, have 59x20/);
		assert.match(text.join('\n'), /q quits/);
	});

	it('wraps long log lines when asked', () => {
		const logs = feedOf('web:0', [['x'.repeat(100), 'stdout']]);
		const {text} = draw(80, 24, liveData(sample), {logs, ui: {...initialState, log: {...initialState.log, wrap: true}}});
		assert.equal(text[14], `  ${'x'.repeat(78)}`);
		assert.equal(text[15], `  ${'x'.repeat(22)}`);
		assert.match(text[13]!, /· wrap/);
	});
});
