/**
 * The live dashboard (keys from stdin, the reducer, effects to the session) against a fake
 * session, in ink-testing-library at 80x24, on a manual clock. Every wait is for a fact on the
 * screen or in the session, with a deadline.
 */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {createElement} from 'react';
import {App, type SessionLike} from '../../../src/tui/app.js';
import {ManualClock} from '../../../src/tui/clock.js';
import type {LiveData} from '../../../src/tui/live.js';
import {LogFeed} from '../../../src/tui/log-feed.js';
import type {Effect} from '../../../src/tui/state.js';
import {createTheme} from '../../../src/tui/theme.js';
import {waitFor} from '../../helpers/wait.js';
import {lines, liveData, renderAt, task} from '../../helpers/dashboard-fixtures.js';

afterEach(() => cleanup());

class FakeSession implements SessionLike {
	readonly data: LiveData;
	readonly logs = new LogFeed(0);
	readonly details = {current: null, subscribe: () => () => {}, getVersion: () => 0};
	readonly followed: Array<string | null> = [];
	/** Every detail the dashboard put on screen, in order (null: none). */
	readonly shown: Array<string | null> = [];
	readonly performed: Effect[] = [];

	constructor(data: LiveData) {
		this.data = data;
	}

	follow(taskId: string | null): void {
		this.followed.push(taskId);
	}

	showDetail(taskId: string | null): void {
		this.shown.push(taskId);
	}

	async perform(effect: Effect): Promise<void> {
		this.performed.push(effect);
	}
}

async function start(options: {messageMs?: number} = {}) {
	const session = new FakeSession(liveData(['alpha', 'beta', 'gamma', 'web-1', 'web-2'].map(name => task(name))));
	const clock = new ManualClock();
	let quits = 0;
	let notify: ((text: string, error: boolean) => void) | null = null;
	const screen = renderAt(
		createElement(App, {
			session,
			theme: createTheme({color: false, unicode: true}),
			clock,
			onQuit: () => quits++,
			size: {cols: 80, rows: 24},
			onNotice: listener => {
				notify = listener;
			},
			messageMs: options.messageMs,
		}),
		80,
		24,
	);
	const screenLines = (): string[] => lines(screen.lastFrame());
	assert.equal(screen.stdin.listenerCount('data'), 1, 'keys are read from the first frame on');
	// The stdin listener runs each chunk through the reducer as it is written.
	const type = (...chunks: string[]): void => {
		for (const chunk of chunks) {
			screen.stdin.write(chunk);
		}
	};

	/** Frames come after the key (React renders on its own schedule). */
	const until = (what: string, accept: (rows: string[]) => boolean): Promise<string[]> => waitFor(screenLines, accept, {what, timeout: 2000});
	await until('the first frame, the first row selected', rows => /alpha/.test(selectedRow(rows) ?? ''));
	return {session, clock, screen, screenLines, until, type, quits: () => quits, notify: (text: string, error = false) => notify?.(text, error)};
}

function selectedRow(rows: string[]): string | undefined {
	return rows.find(line => line.startsWith('>'));
}

describe('App', () => {
	it('moves the selection with j and follows the selected task’s log', async () => {
		const app = await start();
		// Effects run after the frame is drawn.
		await waitFor(() => app.session.followed.at(-1), id => id === 'alpha', {what: 'alpha followed', timeout: 2000});
		app.type('j');
		await app.until('beta selected', rows => /beta/.test(selectedRow(rows) ?? ''));
		await waitFor(() => app.session.followed.at(-1), id => id === 'beta', {what: 'beta followed', timeout: 2000});
		app.type('jj', '\u001B[A');
		await app.until('gamma selected: several keys in one read, then an arrow', rows => /gamma/.test(selectedRow(rows) ?? ''));
		await waitFor(() => app.session.followed.at(-1), id => id === 'gamma', {what: 'gamma followed', timeout: 2000});
		// The rows on screen are nobody's business but the screen's: no detail is on screen at 80x24.
		assert.deepEqual([...new Set(app.session.shown)], [null]);
	});

	it('restarts the selected task after r and y, with the question in the footer', async () => {
		const app = await start();
		app.type('j', 'r');
		await app.until('the question', rows => rows[22] === 'Restart beta? y/N');
		assert.deepEqual(app.session.performed, []);
		app.type('y');
		assert.deepEqual(app.session.performed, [{kind: 'act', verb: 'restart', names: ['beta']}]);
		await app.until('the key hints back', rows => /^j\/k move/.test(rows[22] ?? ''));
	});

	it('filters with / and acts on every match with a, after showing the count', async () => {
		const app = await start();
		app.type('/', 'web');
		await app.until('the filter typed', rows => /^filter \(2\/5\): web_/.test(rows[22] ?? ''));
		app.type('\r', 'x');
		await app.until('the bulk question', rows => rows[22] === 'Stop web-1? y/N · a: all 2 matching web');
		app.type('a');
		assert.deepEqual(app.session.performed, [{kind: 'act', verb: 'stop', names: ['web-1', 'web-2']}]);
		const rows = await app.until('the filtered rows', screen => !screen.some(line => line.startsWith('Stop')));
		assert.deepEqual(
			rows.filter(line => /^[ >]\S (alpha|beta|gamma|web)/.test(line)).map(line => line.slice(3, 8)),
			['web-1', 'web-2'],
		);
	});

	it('shows what the session reports for messageMs on the clock, then the key hints again', async () => {
		const app = await start({messageMs: 300});
		app.notify('restarted beta: running');
		await app.until('the message', rows => rows[22] === 'restarted beta: running');
		await waitFor(() => app.clock.nextTimer(), at => at !== null, {what: 'the message’s timer', timeout: 2000});
		app.clock.advance(299);
		assert.notEqual(app.clock.nextTimer(), null, 'the message stays until its time is up');
		app.clock.advance(1);
		await app.until('the message to go', rows => rows[22]?.startsWith('j/k move') === true);
	});

	it('opens the detail view with Enter and tells the session whose detail is on screen', async () => {
		const app = await start();
		app.type('\r');
		await app.until('the detail view', rows => /detail alpha/.test(rows[1] ?? ''));
		await waitFor(() => app.session.shown.at(-1), id => id === 'alpha', {what: 'alpha’s detail shown', timeout: 2000});
		app.type('j');
		await app.until('beta’s detail', rows => /detail beta/.test(rows[1] ?? ''));
		await waitFor(() => app.session.shown.at(-1), id => id === 'beta', {what: 'beta’s detail shown', timeout: 2000});
		app.type('\u001B');
		await waitFor(() => app.session.shown.at(-1), id => id === null, {what: 'the detail closed', timeout: 2000});
		assert.deepEqual(app.session.shown, [null, 'alpha', 'beta', null], 'one question per opening, none per frame');
	});

	it('quits on q', async () => {
		const app = await start();
		app.type('q');
		assert.equal(app.quits(), 1);
	});
});
