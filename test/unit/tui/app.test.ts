/**
 * The live dashboard (keys from stdin, the reducer, effects to the session) against a fake
 * session, in ink-testing-library at 80x24.
 */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {createElement} from 'react';
import {App, type SessionLike} from '../../../src/tui/app.js';
import {LogFeed, type LiveData} from '../../../src/tui/live.js';
import type {Effect} from '../../../src/tui/state.js';
import {createTheme} from '../../../src/tui/theme.js';
import {waitFor} from '../../helpers/wait.js';
import {lines, liveData, renderAt, task, tick} from '../../helpers/dashboard-fixtures.js';

afterEach(() => cleanup());

class FakeSession implements SessionLike {
	readonly data: LiveData;
	readonly logs = new LogFeed(0);
	readonly followed: Array<string | null> = [];
	readonly performed: Effect[] = [];
	visible: string[] = [];
	detailOf: string | null = null;

	constructor(data: LiveData) {
		this.data = data;
	}

	follow(taskId: string | null): void {
		this.followed.push(taskId);
	}

	setVisible(ids: string[], detailOf: string | null): void {
		this.visible = ids;
		this.detailOf = detailOf;
	}

	async perform(effect: Effect): Promise<void> {
		this.performed.push(effect);
	}
}

function start(options: {messageMs?: number} = {}) {
	const session = new FakeSession(liveData(['alpha', 'beta', 'gamma', 'web-1', 'web-2'].map(name => task(name))));
	let quits = 0;
	let notify: ((text: string, error: boolean) => void) | null = null;
	const screen = renderAt(
		createElement(App, {
			session,
			theme: createTheme({color: false, unicode: true}),
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
	const type = async (...chunks: string[]): Promise<void> => {
		for (const chunk of chunks) {
			screen.stdin.write(chunk);
			await tick(5);
		}
	};

	/** Frames can come a little after the key (Ink holds escape sequences for a moment). */
	const until = (what: string, accept: (rows: string[]) => boolean): Promise<string[]> => waitFor(screenLines, accept, {what, timeout: 2000});
	return {session, screen, screenLines, until, type, quits: () => quits, notify: (text: string, error = false) => notify?.(text, error)};
}

const selectedRow = (rows: string[]): string | undefined => rows.find(line => line.startsWith('>'));

describe('App', () => {
	it('moves the selection with j and follows the selected task’s log', async () => {
		const app = start();
		await tick(10);
		assert.match(selectedRow(app.screenLines()) ?? '', /alpha/);
		// Effects run after the frame is drawn.
		await waitFor(() => app.session.followed.at(-1), id => id === 'alpha', {what: 'alpha followed', timeout: 2000});
		await waitFor(() => app.session.visible.join(), ids => ids === 'alpha,beta,gamma,web-1,web-2', {what: 'the rows on screen', timeout: 2000});
		await app.type('j');
		assert.match(selectedRow(app.screenLines()) ?? '', /beta/);
		await waitFor(() => app.session.followed.at(-1), id => id === 'beta', {what: 'beta followed', timeout: 2000});
		await app.type('jj', '\u001B[A');
		await app.until('gamma selected: several keys in one read, then an arrow', rows => /gamma/.test(selectedRow(rows) ?? ''));
	});

	it('restarts the selected task after r and y, with the question in the footer', async () => {
		const app = start();
		await tick(10);
		await app.type('j', 'r');
		await app.until('the question', rows => rows[22] === 'Restart beta? y/N');
		assert.deepEqual(app.session.performed, []);
		await app.type('y');
		assert.deepEqual(app.session.performed, [{kind: 'act', verb: 'restart', names: ['beta']}]);
		await app.until('the key hints back', rows => /^j\/k move/.test(rows[22] ?? ''));
	});

	it('filters with / and acts on every match with a, after showing the count', async () => {
		const app = start();
		await tick(10);
		await app.type('/', 'web');
		await app.until('the filter typed', rows => /^filter \(2\/5\): web_/.test(rows[22] ?? ''));
		await app.type('\r', 'x');
		await app.until('the bulk question', rows => rows[22] === 'Stop web-1? y/N · a: all 2 matching web');
		await app.type('a');
		assert.deepEqual(app.session.performed, [{kind: 'act', verb: 'stop', names: ['web-1', 'web-2']}]);
		const rows = await app.until('the filtered rows', screen => !screen.some(line => line.startsWith('Stop')));
		assert.deepEqual(
			rows.filter(line => /^[ >]\S (alpha|beta|gamma|web)/.test(line)).map(line => line.slice(3, 8)),
			['web-1', 'web-2'],
		);
	});

	it('shows what the session reports, then the key hints again', async () => {
		const app = start({messageMs: 300});
		await tick(10);
		app.notify('restarted beta: running');
		await app.until('the message', rows => rows[22] === 'restarted beta: running');
		await waitFor(() => app.screenLines()[22] ?? '', line => line.startsWith('j/k move'), {what: 'the message to go', timeout: 2000});
	});

	it('opens the detail view with Enter and tells the session whose detail to keep fresh', async () => {
		const app = start();
		await tick(10);
		await app.type('\r');
		await app.until('the detail view', rows => /detail alpha/.test(rows[1] ?? ''));
		await waitFor(() => app.session.detailOf, id => id === 'alpha', {what: 'the detail kept fresh', timeout: 2000});
		await app.type('\u001B');
		await waitFor(() => app.session.detailOf, id => id === null, {what: 'the detail closed', timeout: 2000});
	});

	it('quits on q', async () => {
		const app = start();
		await tick(10);
		await app.type('q');
		assert.equal(app.quits(), 1);
	});
});
