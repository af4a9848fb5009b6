import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {TaskStatus} from '../../../src/core/ipc/methods.js';
import {compileKeymap} from '../../../src/tui/keymap.js';
import {parseKeys} from '../../../src/tui/keys.js';
import {LogFeed} from '../../../src/tui/log-feed.js';
import {logEnd} from '../../../src/tui/log-scroll.js';
import {reduceKey} from '../../../src/tui/reducer.js';
import {clearMessage, initialState, keyContext, selectedTask, withMessage, type Effect, type UiState} from '../../../src/tui/state.js';
import {compileFilter, visibleTasks} from '../../../src/tui/view.js';
import {contextFor, NOW, numbered, task} from '../../helpers/dashboard-fixtures.js';

const keymap = compileKeymap();

type Run = {state: UiState; effects: Effect[]};

/** Presses `keys` (raw input, as a terminal sends it) one read at a time. */
function press(tasks: TaskStatus[], keys: string[], start: UiState = initialState, options: {cols?: number; rows?: number; logs?: LogFeed} = {}): Run {
	let state = start;
	const effects: Effect[] = [];
	for (const chunk of keys) {
		for (const key of parseKeys(chunk)) {
			const result = reduceKey(state, key, contextFor(state, tasks, options.cols, options.rows, options.logs), keymap);
			state = result.state;
			effects.push(...result.effects);
		}
	}

	return {state, effects};
}

const selectedName = (tasks: TaskStatus[], state: UiState): string | undefined =>
	selectedTask(state, visibleTasks(tasks, compileFilter(state.filter), state.sort, NOW))?.id;

const five = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map(name => task(name));

describe('reducer: moving in the table', () => {
	it('starts on the first row and moves with j/k, arrows, g/G, clamped at both ends', () => {
		assert.equal(selectedName(five, initialState), 'alpha');
		assert.equal(selectedName(five, press(five, ['j']).state), 'beta');
		assert.equal(selectedName(five, press(five, ['jj', '\u001B[B']).state), 'epsilon');
		assert.equal(selectedName(five, press(five, ['jjjjjjjj']).state), 'gamma');
		assert.equal(selectedName(five, press(five, ['k']).state), 'alpha');
		assert.equal(selectedName(five, press(five, ['G']).state), 'gamma');
		assert.equal(selectedName(five, press(five, ['G', 'g']).state), 'alpha');
	});

	it('pages by the visible rows (11 at 80x24) and scrolls to keep the selection in view', () => {
		const many = numbered(100);
		const down = press(many, ['\u001B[6~']).state;
		assert.equal(selectedName(many, down), 'worker-0011');
		assert.equal(down.offset, 1);
		const end = press(many, ['G']).state;
		assert.equal(selectedName(many, end), 'worker-0099');
		assert.equal(end.offset, 89);
		const back = press(many, ['\u001B[5~'], end).state;
		assert.equal(selectedName(many, back), 'worker-0088');
		assert.equal(back.offset, 88);
	});

	it('keeps the selection on the same task when the order changes', () => {
		const tasks = [task('a', {cpu: 1}), task('b', {cpu: 50}), task('c', {cpu: 9})];
		const onB = press(tasks, ['j']).state;
		assert.equal(selectedName(tasks, onB), 'b');
		const byCpu = press(tasks, ['P'], onB).state;
		assert.deepEqual(byCpu.sort, {key: 'cpu', desc: true});
		assert.equal(selectedName(tasks, byCpu), 'b');
		assert.deepEqual(
			visibleTasks(tasks, compileFilter(''), byCpu.sort, NOW).map(t => t.id),
			['b', 'c', 'a'],
		);
		assert.deepEqual(press(tasks, ['P'], byCpu).state.sort, {key: 'cpu', desc: false}, 'the same key again inverts');
		assert.deepEqual(press(tasks, ['>']).state.sort, {key: 'state', desc: false});
		assert.deepEqual(press(tasks, ['<']).state.sort, {key: 'priority', desc: true});
		assert.deepEqual(press(tasks, ['I']).state.sort, {key: 'name', desc: true});
	});
});

describe('reducer: filter', () => {
	it('filters as you type, keeps it on Enter, clears it on Esc', () => {
		const typing = press(five, ['/', 'ta']).state;
		assert.equal(keyContext(typing, false), 'input');
		assert.equal(typing.filter, 'ta');
		assert.equal(selectedName(five, typing), 'beta');
		const kept = press(five, ['\r'], typing).state;
		assert.equal(kept.input, null);
		assert.equal(kept.filter, 'ta');
		assert.deepEqual(
			visibleTasks(five, compileFilter(kept.filter), kept.sort, NOW).map(t => t.id),
			['beta', 'delta'],
		);
		assert.equal(press(five, ['\u001B'], kept).state.filter, '', 'Esc in the table clears the filter');
		assert.equal(press(five, ['/', 'xy', '\u001B']).state.filter, '', 'Esc while typing clears it');
		assert.equal(press(five, ['/', 'xy', '\u007F', '\r']).state.filter, 'x', 'backspace');
	});

	it('does not run commands while typing', () => {
		const {state, effects} = press(five, ['/', 'qrx', '\r']);
		assert.deepEqual(effects, []);
		assert.equal(state.filter, 'qrx');
	});
});

describe('reducer: actions on tasks', () => {
	it('restarts the selected task after y, and not after anything else', () => {
		const asked = press(five, ['j', 'r']);
		assert.deepEqual(asked.effects, []);
		assert.equal(asked.state.prompt?.kind, 'confirm');
		assert.equal(asked.state.prompt?.kind === 'confirm' && asked.state.prompt.text, 'Restart beta?');
		assert.deepEqual(press(five, ['y'], asked.state).effects, [{kind: 'act', verb: 'restart', names: ['beta']}]);
		for (const no of ['n', 'N', '\r', '\u001B', 'r', 'x']) {
			const answer = press(five, [no], asked.state);
			assert.deepEqual(answer.effects, [], `key ${JSON.stringify(no)}`);
			assert.equal(answer.state.prompt, null);
		}
	});

	it('stops after y; starts at once; pauses or resumes by the task state', () => {
		assert.deepEqual(press(five, ['x', 'y']).effects, [{kind: 'act', verb: 'stop', names: ['alpha']}]);
		assert.deepEqual(press(five, ['s']).effects, [{kind: 'act', verb: 'start', names: ['alpha']}]);
		assert.deepEqual(press(five, ['p']).effects, [{kind: 'act', verb: 'pause', names: ['alpha']}]);
		const paused = [task('alpha', {state: 'paused'})];
		assert.deepEqual(press(paused, ['p']).effects, [{kind: 'act', verb: 'resume', names: ['alpha']}]);
	});

	it('cancels only jobs', () => {
		const refused = press(five, ['c']);
		assert.deepEqual(refused.effects, []);
		assert.match(refused.state.message?.text ?? '', /service/);
		const jobs = [task('j-1', {kind: 'job'})];
		assert.deepEqual(press(jobs, ['c', 'y']).effects, [{kind: 'act', verb: 'cancel', names: ['j-1']}]);
	});

	it('offers the filtered tasks in bulk with their count, on `a`', () => {
		const tasks = [...numbered(3), task('db')];
		const asked = press(tasks, ['/', 'worker', '\r', 'r']).state;
		assert.ok(asked.prompt?.kind === 'confirm');
		assert.equal(asked.prompt.all?.text, 'all 3 matching worker');
		assert.deepEqual(press(tasks, ['a'], asked).effects, [{kind: 'act', verb: 'restart', names: ['worker-0000', 'worker-0001', 'worker-0002']}]);
		assert.deepEqual(press(tasks, ['y'], asked).effects, [{kind: 'act', verb: 'restart', names: ['worker-0000']}]);
		// Starting is harmless for one task, but a bulk start asks too.
		assert.equal(press(tasks, ['/', 'worker', '\r', 's']).state.prompt?.kind, 'confirm');
		// Without a filter there is no bulk.
		const single = press(tasks, ['r']).state;
		assert.ok(single.prompt?.kind === 'confirm');
		assert.equal(single.prompt.all, null);
		assert.deepEqual(press(tasks, ['a'], single).effects, []);
	});

	it('sends a signal picked in the K menu; a bulk signal asks again with the count', () => {
		const menu = press(five, ['K']).state;
		assert.equal(keyContext(menu, false), 'menu');
		assert.deepEqual(press(five, ['\r'], menu).effects, [{kind: 'signal', signal: 'SIGTERM', names: ['alpha']}]);
		assert.deepEqual(press(five, ['jj\r'], menu).effects, [{kind: 'signal', signal: 'SIGHUP', names: ['alpha']}]);
		assert.deepEqual(press(five, ['k\r'], menu).effects, [{kind: 'signal', signal: 'SIGCONT', names: ['alpha']}]);
		assert.deepEqual(press(five, ['\u001B'], menu).effects, []);
		const bulk = press(five, ['/', 'a', '\r', 'K', 'a']).state;
		assert.ok(bulk.prompt?.kind === 'confirm');
		assert.equal(bulk.prompt.text, 'Send SIGTERM to all 4 matching a?');
		assert.deepEqual(press(five, ['y'], bulk).effects, [{kind: 'signal', signal: 'SIGTERM', names: ['alpha', 'beta', 'delta', 'gamma']}]);
	});

	it('says so when there is nothing to act on', () => {
		const {state, effects} = press([], ['r']);
		assert.deepEqual(effects, []);
		assert.equal(state.message?.text, 'no task selected');
		assert.equal(state.message?.error, true);
	});
});

describe('reducer: panes, overlays and quitting', () => {
	it('switches focus with Tab, hides the logs with l, zooms with z, opens detail with Enter', () => {
		const logs = press(five, ['\t']).state;
		assert.equal(logs.focus, 'logs');
		assert.equal(press(five, ['\t'], logs).state.focus, 'table');
		const hidden = press(five, ['l']).state;
		assert.equal(hidden.showLogs, false);
		assert.match(press(five, ['\t'], hidden).state.message?.text ?? '', /hidden/);
		assert.equal(press(five, ['l'], hidden).state.showLogs, true);
		assert.equal(press(five, ['z']).state.zoom, true);
		const detail = press(five, ['j', '\r']).state;
		assert.equal(detail.detail, true);
		assert.equal(keyContext(detail, false), 'detail');
		assert.equal(selectedName(five, press(five, ['j'], detail).state), 'delta', 'j in the detail moves to the next task');
		assert.equal(press(five, ['\u001B'], detail).state.detail, false);
		assert.equal(press(five, ['\r'], detail).state.detail, false);
	});

	it('opens help with ? and closes it with Esc or q (q there does not quit)', () => {
		const help = press(five, ['?']).state;
		assert.equal(keyContext(help, false), 'help');
		assert.equal(press(five, ['\u001B'], help).state.help, false);
		const q = press(five, ['q'], help);
		assert.equal(q.state.help, false);
		assert.deepEqual(q.effects, []);
	});

	it('quits with q, F10 and Ctrl-C, from a prompt with Ctrl-C, and on a too-small screen', () => {
		assert.deepEqual(press(five, ['q']).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['\u001B[21~']).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['\u0003']).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['r', '\u0003']).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['/', '\u0003']).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['q'], initialState, {cols: 50, rows: 12}).effects, [{kind: 'quit'}]);
		assert.deepEqual(press(five, ['r'], initialState, {cols: 50, rows: 12}).effects, [], 'only q works on a too-small screen');
	});

	it('keeps a message until it is cleared by id', () => {
		const one = withMessage(initialState, 'first');
		const two = withMessage(one, 'second', true);
		assert.equal(clearMessage(two, one.message!.id).message?.text, 'second');
		assert.equal(clearMessage(two, two.message!.id).message, null);
	});
});

describe('reducer: the log pane', () => {
	function feed(count: number): LogFeed {
		const logs = new LogFeed(0, 1000);
		for (let i = 0; i < count; i++) {
			logs.push({seq: i + 1, at: '', stream: i % 10 === 0 ? 'stderr' : 'stdout', text: i % 25 === 0 ? `error ${i}` : `line ${i}`});
		}

		logs.dispose();
		return logs;
	}

	it('scrolls up (follow off), back down to the end (follow on), g/G', () => {
		const logs = feed(100);
		const focused = press(five, ['\t'], initialState, {logs}).state;
		const up = press(five, ['kkk'], focused, {logs}).state;
		assert.equal(up.log.follow, false);
		assert.equal(logEnd(up, contextFor(up, five, 80, 24, logs)), 97);
		const down = press(five, ['jjj'], up, {logs}).state;
		assert.equal(down.log.follow, true);
		const top = press(five, ['g'], focused, {logs}).state;
		assert.equal(top.log.follow, false);
		assert.equal(logEnd(top, contextFor(top, five, 80, 24, logs)), 8, 'the oldest page: 8 lines at 80x24');
		assert.equal(press(five, ['k'], top, {logs}).state.log.end, 8, 'not past the oldest line');
		assert.equal(press(five, ['G'], top, {logs}).state.log.follow, true);
		const paged = press(five, ['\u001B[5~'], focused, {logs}).state;
		assert.equal(logEnd(paged, contextFor(paged, five, 80, 24, logs)), 92);
	});

	it('toggles follow with f and wrap with w', () => {
		const logs = feed(10);
		const focused = press(five, ['\t'], initialState, {logs}).state;
		const frozen = press(five, ['f'], focused, {logs}).state;
		assert.equal(frozen.log.follow, false);
		assert.equal(frozen.log.end, 10);
		assert.equal(press(five, ['f'], frozen, {logs}).state.log.follow, true);
		assert.equal(press(five, ['w'], focused, {logs}).state.log.wrap, true);
	});

	it('searches with /, then n goes to older matches and N to newer ones', () => {
		const logs = feed(100);
		const found = press(five, ['\t', '/', 'ERROR', '\r'], initialState, {logs}).state;
		assert.equal(found.log.search, 'ERROR');
		assert.equal(found.log.hit, 75);
		assert.equal(found.log.follow, false);
		const older = press(five, ['n'], found, {logs}).state;
		assert.equal(older.log.hit, 50);
		assert.equal(press(five, ['nnn'], found, {logs}).state.log.hit, 0);
		const none = press(five, ['nnnn'], found, {logs}).state;
		assert.equal(none.log.hit, 0);
		assert.match(none.message?.text ?? '', /no more matches/);
		assert.equal(press(five, ['N'], older, {logs}).state.log.hit, 75);
		const missing = press(five, ['\t', '/', 'nope', '\r'], initialState, {logs}).state;
		assert.equal(missing.log.hit, null);
		assert.match(missing.message?.text ?? '', /not found/);
		assert.equal(press(five, ['\u001B'], found, {logs}).state.log.hit, null, 'Esc drops the highlight');
	});
});
