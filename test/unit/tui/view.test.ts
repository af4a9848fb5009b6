import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {cleanLine, countdown, fit, progressBar, shortBytes, shortDuration, shortPercent} from '../../../src/tui/format.js';
import {logWindow, LogRing} from '../../../src/tui/log-ring.js';
import {createTheme, localeIsUtf8, themeOptionsFromEnv} from '../../../src/tui/theme.js';
import {compileFilter, TaskOrder, visibleTasks} from '../../../src/tui/view.js';
import {ago, NOW, task} from '../../helpers/dashboard-fixtures.js';

const tasks = [
	task('web:10', {cpu: 5, state: 'running'}),
	task('web:2', {cpu: null, state: 'backoff'}),
	task('api', {cpu: 80, state: 'fatal', memory: 10}),
	task('db', {cpu: 1, state: 'stopped', startedAt: null, memory: null}),
];
const names = (filter: string, sort = {key: 'name' as const, desc: false}) => visibleTasks(tasks, compileFilter(filter), sort, NOW).map(t => t.id);

describe('filter and sort', () => {
	it('matches a substring of the name or the state, a /regex/, or the opposite with !', () => {
		assert.deepEqual(names(''), ['api', 'db', 'web:2', 'web:10']);
		assert.deepEqual(names('WEB'), ['web:2', 'web:10']);
		assert.deepEqual(names('backoff'), ['web:2']);
		assert.deepEqual(names('/^(api|db)$/'), []);
		assert.deepEqual(names('/^(api|db) /'), ['api', 'db']);
		assert.deepEqual(names('!web'), ['api', 'db']);
		const bad = compileFilter('/(/');
		assert.ok(bad.error);
		assert.deepEqual(names('/(/'), []);
	});

	it('sorts names naturally, numbers with unknowns last, states problems first', () => {
		assert.deepEqual(names('', {key: 'cpu', desc: true} as never), ['api', 'web:10', 'db', 'web:2']);
		assert.deepEqual(names('', {key: 'cpu', desc: false} as never), ['db', 'web:10', 'api', 'web:2']);
		assert.deepEqual(names('', {key: 'state', desc: false} as never), ['api', 'web:2', 'web:10', 'db']);
		assert.deepEqual(names('', {key: 'uptime', desc: true} as never).at(-1), 'db');
	});
});

describe('the table order kept between changes', () => {
	it('is always what a sort from scratch gives, and the same rows when nothing changed', () => {
		const states = ['running', 'backoff', 'fatal', 'stopped'] as const;
		let seed = 7;
		const next = (n: number): number => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed % n;
		};

		const live = new Map(Array.from({length: 60}, (_, i) => [`t${i}`, task(`t${i}`, {cpu: next(5), state: states[next(4)]})]));
		const order = new TaskOrder();
		for (const [key, filterText] of [['name', ''], ['cpu', ''], ['state', 'run'], ['uptime', '!t1']] as const) {
			const filter = compileFilter(filterText);
			const sort = {key, desc: key === 'cpu'};
			let rows = order.rows(live, filter, sort, NOW);
			assert.equal(order.rows(live, filter, sort, NOW), rows, 'nothing changed: the same rows');
			for (let round = 0; round < 200; round++) {
				const id = `t${next(60)}`;
				const old = live.get(id)!;
				// Mostly a sample (memory) that moves nothing; sometimes cpu or the state.
				const change = next(10);
				live.set(id, {...old, memory: next(1000), ...(change === 0 ? {cpu: next(5)} : {}), ...(change === 1 ? {state: states[next(4)]} : {})});
				rows = order.rows(live, filter, sort, NOW);
				assert.deepEqual(
					rows.map(row => [row.id, row.memory]),
					visibleTasks(live.values(), filter, sort, NOW).map(row => [row.id, row.memory]),
					`${key} ${filterText}, round ${round}`,
				);
			}
		}
	});
});

describe('format', () => {
	it('writes durations, countdowns, sizes and percents that fit their columns', () => {
		assert.deepEqual([0, 42_000, 185_000, 7_260_000, 273_600_000].map(shortDuration), ['0s', '42s', '3m05s', '2h01m', '3d04h']);
		assert.deepEqual([100, 12_300, 0].map(countdown), ['1s', '13s', '0s']);
		assert.deepEqual([980, 524_288, 31_457_280, 1_288_490_188].map(shortBytes), ['980B', '512K', '30M', '1.2G']);
		assert.deepEqual([0.4, 12.34, 143.2].map(shortPercent), ['0.4', '12.3', '143']);
	});

	it('draws progress bars in eighths, or ASCII', () => {
		assert.equal(progressBar(50, 4, true), '██  ');
		assert.equal(progressBar(100, 4, true), '████');
		assert.equal(progressBar(53, 4, true), '██▏ ');
		assert.equal(progressBar(50, 4, false), '##--');
		assert.equal(progressBar(-5, 4, false), '----');
	});

	it('fits text to a width and cleans task output', () => {
		assert.equal(fit('abcdef', 4), 'abc…');
		assert.equal(fit('ab', 4, 'right'), '  ab');
		assert.equal(cleanLine('\u001B[31mred\u001B[0m\tx\u0007', 100), 'red    x');
		assert.equal(cleanLine('x'.repeat(10_000), 80).length, 80);
		assert.equal(cleanLine('\u001B]0;title\u0007ok', 10), 'ok');
	});
});

describe('log ring', () => {
	const ring = (count: number, capacity = 100): LogRing => {
		const r = new LogRing(capacity);
		for (let i = 0; i < count; i++) {
			r.push({stream: i % 2 ? 'stderr' : 'stdout', text: `line ${i}`});
		}

		return r;
	};

	it('keeps the last lines by absolute index', () => {
		const r = ring(250);
		assert.equal(r.first, 150);
		assert.equal(r.end, 250);
		assert.equal(r.at(149), undefined);
		assert.deepEqual(r.at(150), {stream: 'stdout', text: 'line 150'});
		assert.deepEqual(r.at(151), {stream: 'stderr', text: 'line 151'}, 'each line keeps its stream');
		r.clear();
		assert.equal(r.size, 0);
		assert.equal(r.first, 250);
		r.push({stream: 'stdout', text: 'again'});
		assert.equal(r.at(250)?.text, 'again');
	});

	it('keeps every line exact across its pages (long lines, multi-byte text) and holds pages only for the lines kept', () => {
		const r = new LogRing(1000);
		const model: string[] = [];
		for (let i = 0; i < 20_000; i++) {
			const text = i % 997 === 0 ? `long ${i} ${'x'.repeat(300_000)}` : `line ${i} é ✓ 😀 ${'y'.repeat(i % 200)}`;
			r.push({stream: i % 3 === 0 ? 'stderr' : 'stdout', text});
			model.push(text);
		}

		for (let i = r.first; i < r.end; i++) {
			assert.deepEqual(r.at(i), {stream: i % 3 === 0 ? 'stderr' : 'stdout', text: model[i]}, `line ${i}`);
		}

		assert.equal(r.at(r.first - 1), undefined);
		assert.ok(r.bytesHeld < 4 * 1024 * 1024, `${r.bytesHeld} bytes held for 1,000 lines`);
		r.clear();
		assert.equal(r.bytesHeld, 0);
		r.push({stream: 'stdout', text: 'after'});
		assert.deepEqual(r.at(20_000), {stream: 'stdout', text: 'after'});
	});

	it('finds matches older and newer than a line', () => {
		const r = ring(250);
		assert.equal(r.find('LINE 20', 250, -1), 209);
		assert.equal(r.find('line 20', 209, -1), 208);
		assert.equal(r.find('line 1', 150, 1), 151);
		assert.equal(r.find('line 14', 250, -1), null, 'line 14x fell off the ring');
	});

	it('windows the newest lines, or wraps long ones into pieces', () => {
		const r = new LogRing(10);
		r.push({stream: 'stdout', text: 'short'});
		r.push({stream: 'stderr', text: 'x'.repeat(25)});
		const plain = logWindow(r, r.end, 5, 10, false, cleanLine);
		assert.deepEqual(plain.map(row => row.text), ['short', 'x'.repeat(10)]);
		const wrapped = logWindow(r, r.end, 3, 10, true, cleanLine);
		assert.deepEqual(wrapped.map(row => [row.text.length, row.continued]), [[10, false], [10, true], [5, true]]);
		assert.equal(logWindow(r, 1, 5, 10, false, cleanLine).length, 1);
	});
});

describe('theme', () => {
	it('honours NO_COLOR and falls back to ASCII outside UTF-8', () => {
		assert.equal(themeOptionsFromEnv({NO_COLOR: '1', LANG: 'en_US.UTF-8'}).color, false);
		assert.equal(themeOptionsFromEnv({NO_COLOR: '', LANG: 'C'}).color, true);
		assert.equal(themeOptionsFromEnv({}, true).color, false, 'low bandwidth drops colour');
		assert.equal(localeIsUtf8({LC_ALL: 'C', LANG: 'en_US.UTF-8'}), false);
		assert.equal(localeIsUtf8({LANG: 'C.utf8'}), true);
		const mono = createTheme({color: false, unicode: false});
		assert.equal(mono.stateHue('fatal'), undefined);
		assert.equal(mono.stateGlyph('running'), '*');
		assert.equal(createTheme({color: true, unicode: true}).stateHue('fatal'), 'red');
	});

	it('keeps ages in one clock', () => {
		assert.equal(task('x').startedAt, ago(65_000));
	});
});
