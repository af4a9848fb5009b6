/**
 * `tm top` paints a transition from its event alone. Against a real daemon whose tasks keep
 * changing (one restarts every few hundred ms, one reports progress), the dashboard's client is
 * wrapped to count what it asks: nothing while events and updates arrive, and exactly one
 * request per user action (a restart, opening a detail), the restarted row drawn from the
 * events that followed.
 */
import assert from 'node:assert/strict';
import {rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from '../../src/core/client/seam.js';
import {SocketClient} from '../../src/core/client/socket-client.js';
import type {TmError} from '../../src/core/errors.js';
import type {EventDoc, Methods} from '../../src/core/ipc/methods.js';
import {App} from '../../src/tui/app.js';
import {Session} from '../../src/tui/session.js';
import {createTheme} from '../../src/tui/theme.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';

/** Tasks' command line marker, to clean up whatever a killed daemon left. */
const marker = `87${String(process.pid).slice(-3)}3`;
const config = [
	'programs:',
	'  flap:',
	`    cmd: "sh -c 'sleep 0.3' ${marker}"`,
	'    starttime: 0',
	'    autorestart: true',
	'    backoff: {initial: 0}',
	'  web:',
	`    cmd: "sh -c 'i=0; while :; do i=$((i+1)); echo PROGRESS=$((i % 100)) >&3; sleep 0.2; done' ${marker}"`,
	'    starttime: 0',
	'    stoptime: 1',
	'',
].join('\n');

/** What the dashboard asked and heard. */
type Counts = {calls: CallMethod[]; subscribes: number; follows: string[]; events: EventDoc[]; updates: number};

/** The socket client, counting every request and what the feed brings. */
class CountingClient implements TmClient {
	readonly #inner: TmClient;
	readonly #counts: Counts;

	constructor(inner: TmClient, counts: Counts) {
		this.#inner = inner;
		this.#counts = counts;
	}

	get target(): string {
		return this.#inner.target;
	}

	get server(): Methods['hello']['result'] {
		return this.#inner.server;
	}

	get closed(): boolean {
		return this.#inner.closed;
	}

	call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']> {
		this.#counts.calls.push(method);
		return this.#inner.call(method, params, options);
	}

	subscribe(sink: FeedSink): Promise<Subscription> {
		this.#counts.subscribes++;
		return this.#inner.subscribe({
			snapshot: doc => sink.snapshot(doc),
			event: event => {
				this.#counts.events.push(event);
				sink.event(event);
			},
			tasks: update => {
				this.#counts.updates++;
				sink.tasks(update);
			},
		});
	}

	followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		this.#counts.follows.push(params.name);
		return this.#inner.followLogs(params, sink);
	}

	onClose(listener: (error: TmError | null) => void): () => void {
		return this.#inner.onClose(listener);
	}

	close(): Promise<void> {
		return this.#inner.close();
	}
}

const dirs: string[] = [];
const daemons: Array<{proc: TmProcess; socket: string}> = [];
after(async () => {
	for (const daemon of daemons) {
		try {
			const client = await SocketClient.connect(daemon.socket, {timeoutMs: 2000});
			await client.call('shutdown', {});
			await waitFor(() => alive(daemon.proc.pid), running => !running, {what: 'the daemon to exit', timeout: 15_000});
		} catch {
			// Already gone, or stuck: killed below.
		}
	}

	killAllTm();
	killPids(pidsWithArg(marker));
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

async function startDaemon(): Promise<string> {
	const dir = tempDir('tm-top-requests-');
	dirs.push(dir);
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	const socket = path.join(dir, 'home', 'tm.sock');
	daemons.push({proc: runTm(['up', '--foreground'], {cwd: dir}), socket});
	const status = async () => {
		try {
			const client = await SocketClient.connect(socket);
			try {
				return await client.call('status', {});
			} finally {
				await client.close();
			}
		} catch {
			return null;
		}
	};

	await waitFor(status, doc => doc !== null && doc.tasks.some(t => t.id === 'web' && t.state === 'running'), {what: 'the daemon with web running', timeout: 30_000, interval: 50});
	return socket;
}

/** The frame's lines without colour codes. */
function lines(frame: string | undefined): string[] {
	// eslint-disable-next-line no-control-regex
	return (frame ?? '').replace(/\u001B\[[0-9;]*m/g, '').split('\n');
}

function rowOf(screen: string[], name: string): string | undefined {
	return screen.find(line => new RegExp(`^[ >]\\S ${name} `).test(line));
}

describe('tm top against a real daemon', () => {
	it('asks nothing for events and updates, and one request per user action', async () => {
		const socket = await startDaemon();
		const counts: Counts = {calls: [], subscribes: 0, follows: [], events: [], updates: 0};
		let notice: ((text: string, error: boolean) => void) | null = null;
		const session = new Session({
			connect: async () => new CountingClient(await SocketClient.connect(socket, {client: 'tm-top'}), counts),
			intervalMs: 1000,
			onNotice: (text, error) => notice?.(text, error),
		});
		await session.start();
		const screen = render(
			createElement(App, {
				session,
				theme: createTheme({color: false, unicode: true}),
				onQuit: () => {},
				size: {cols: 100, rows: 30},
				onNotice: listener => {
					notice = listener;
				},
			}),
		);
		const until = (what: string, accept: (rows: string[]) => boolean, timeout = 10_000) =>
			waitFor(() => lines(screen.lastFrame()), accept, {what, timeout, interval: 20});
		try {
			// Transitions keep coming (flap restarts) and so do updates (web's progress).
			const seen = counts.events.length;
			await waitFor(() => ({events: counts.events.length - seen, updates: counts.updates}), c => c.events >= 6 && c.updates >= 2, {
				what: 'six events and two updates',
				timeout: 20_000,
			});
			// The screen follows them: flap's row shows the restarts of its last event.
			await until('flap’s row as its last event says', rows => {
				const last = counts.events.findLast(e => e.taskId === 'flap');
				return last !== undefined && new RegExp(` ${last.task.state} .* ${last.task.restarts} `).test(rowOf(rows, 'flap') ?? '');
			});
			assert.deepEqual(counts.calls, [], 'no request for an event or an update');
			assert.equal(counts.subscribes, 1);
			assert.deepEqual([...new Set(counts.follows)], ['flap'], 'the selected task’s log, and nothing else');

			// One action: j selects web, r asks, y restarts it.
			const web = session.data.tasks.get('web');
			assert.equal(web?.restarts, 0);
			screen.stdin.write('j');
			await until('web selected', rows => /^>/.test(rowOf(rows, 'web') ?? ''));
			screen.stdin.write('r');
			await until('the question', rows => rows.some(line => line.startsWith('Restart web? y/N')));
			screen.stdin.write('y');
			await until('the answer in the footer', rows => rows.some(line => line.startsWith('restarted web: running')));
			assert.deepEqual(counts.calls, ['restart']);
			// The row shows the new run from the events alone.
			const rows = await until('web running again, restarted once, with its new pid', shown => {
				const last = counts.events.findLast(e => e.taskId === 'web');
				const row = rowOf(shown, 'web') ?? '';
				return last?.task.state === 'running' && last.task.restarts === 1 && new RegExp(` running +\\S+ +${last.task.pid} `).test(row);
			});
			assert.notEqual(session.data.tasks.get('web')?.pid, web?.pid);
			assert.match(rowOf(rows, 'web') ?? '', / 1 /);

			// Another: Enter opens the detail, described once.
			screen.stdin.write('\r');
			await until('web’s detail with its command', shown => shown.some(line => /^command +sh -c/.test(line)));
			const more = counts.events.length;
			await waitFor(() => counts.events.length - more, n => n >= 3, {what: 'three more events with the detail open', timeout: 20_000});
			assert.deepEqual(counts.calls, ['restart', 'describe']);
		} finally {
			screen.unmount();
			await session.close();
		}
	});
});
