/**
 * The engine's journal against a real SQLite file: every transition is written before anyone
 * hears of it, and a failing disk does not stop supervision or lose what it could not write.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {controlHandlers} from '../../src/core/control/handlers.js';
import {TmError} from '../../src/core/errors.js';
import type {ConnectionContext} from '../../src/core/ipc/dispatch.js';
import {Store} from '../../src/store/index.js';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {waitFor} from '../helpers/wait.js';
import {Feed} from '../../src/core/feed/feed.js';
import {systemClock} from '../../src/core/clock.js';
import {diskOk} from '../helpers/task-status.js';

const open: Harness[] = [];
after(async () => {
	await Promise.all(open.map(h => h.cleanup()));
});

const crasher = () => makeSpec({argv: ['/bin/sh', '-c', 'exit 1'], starttimeMs: 0, backoff: {initialMs: 20, factor: 1, maxMs: 20, jitter: 0, resetAfterMs: 60_000}});

describe('persistence', () => {
	it('every state change a listener hears of is already in the store', async () => {
		let store: Store | null = null;
		const h = harness([crasher()], {persist: batch => store?.writeBatch(batch)});
		open.push(h);
		store = Store.open(path.join(h.dir, 'tm.db'));
		const seen: Array<{restarts: number; to: string}> = [];
		const behind: string[] = [];
		const off = h.engine.on(event => {
			seen.push({restarts: event.restarts, to: event.to});
			// One write may hold several transitions, so the store can be ahead, never behind.
			const stored = store?.history('web', 100_000).events.length ?? 0;
			const row = store?.loadTasks().find(t => t.id === 'web');
			if (stored < seen.length || (row?.record.restarts ?? -1) < event.restarts) {
				behind.push(`event ${seen.length} (${event.to}, restarts ${event.restarts}): store has ${stored} events, restarts ${row?.record.restarts}`);
			}
		});
		h.task().dispatch({type: 'start'});
		await waitFor(() => h.task().record.restarts, r => r >= 5, {what: 'five restarts'});
		h.task().dispatch({type: 'stop'});
		await h.waitState('web', 'stopped');
		await new Promise(resolve => setImmediate(resolve));
		off();
		assert.deepEqual(behind, []);
		const history = store.history('web', 1000);
		assert.ok(history.runs.length >= 5);
		assert.ok(history.runs.every(run => run.pidStart !== null && run.endedAt !== null));
		assert.equal(history.events.length, seen.length);
		store.close();
	});

	it('a client is only shown what is written: handlers answer from a settled engine (group commit)', async () => {
		let store: Store | null = null;
		const h = harness([makeSpec({argv: ['sleep', '60'], starttimeMs: 0})], {persist: batch => store?.writeBatch(batch)});
		open.push(h);
		store = Store.open(path.join(h.dir, 'tm.db'));
		const daemon = () => ({pid: process.pid, startedAt: new Date().toISOString(), version: 'test', home: h.dir, config: null, disk: diskOk});
		const feed = new Feed({engine: h.engine, clock: systemClock, daemon, host: () => null});
		const handlers = controlHandlers({
			engine: h.engine,
			clock: systemClock,
			feed,
			daemon,
			shutdown: () => {},
			reload: () => Promise.reject(new Error('no reload here')),
		});
		const ctx: ConnectionContext = {id: 1, client: 'test', closed: false, notify: () => true, onClose: () => {}, close: () => {}};
		const stored = (): string | undefined => store?.loadTasks().find(t => t.id === 'web')?.record.state.kind;
		// The change is in memory now; its write is due once this pass of the event loop ends.
		h.task().dispatch({type: 'start'});
		assert.notEqual(stored(), h.task().record.state.kind, 'not written yet');
		const status = (await handlers['status']?.({}, ctx)) as {tasks: Array<{name: string; state: string}>};
		const shown = status.tasks.find(t => t.name === 'web')?.state;
		assert.equal(stored(), shown, 'what status shows is in the store');
		await h.waitState('web', 'running');
		h.task().dispatch({type: 'stop'});
		await h.waitState('web', 'stopped');
		store.close();
	});

	it('a full disk: supervision goes on, the error is reported, and the writes land once the disk recovers', async () => {
		let store: Store | null = null;
		let failing = true;
		const warnings: string[] = [];
		const h = harness([crasher()], {
			persist: batch => {
				if (failing) {
					throw new TmError('E_STORE', 'cannot write tm.db: database or disk is full', {cause: {code: 'SQLITE_FULL'}});
				}

				store?.writeBatch(batch);
			},
			onWarning: message => warnings.push(message),
		});
		open.push(h);
		store = Store.open(path.join(h.dir, 'tm.db'));
		h.task().dispatch({type: 'start'});
		await waitFor(() => h.task().record.restarts, r => r >= 3, {what: 'restarts while the disk is full'});
		assert.deepEqual(warnings, ['state not saved, retrying every 1s (kept in memory meanwhile): cannot write tm.db: database or disk is full'], 'one warning, not one per retry');
		assert.equal(store.loadTasks().length, 0);
		failing = false;
		const row = await waitFor(() => store?.loadTasks().find(t => t.id === 'web'), r => (r?.record.restarts ?? 0) >= 3, {what: 'the retried write', timeout: 5000});
		assert.ok(row);
		await waitFor(() => warnings.length, n => n >= 2, {what: 'the warning that it is saved again'});
		assert.match(warnings[1] ?? '', /^state saved again after \d+s: \d+ rows kept meanwhile are written$/);
		const history = store.history('web', 10_000);
		// Nothing written while the disk was full is lost: every run from the first attempt is there.
		assert.ok(history.runs.some(run => run.attempt === 1));
		h.task().dispatch({type: 'stop'});
		await h.waitState('web', 'stopped', 'backoff');
		store.close();
	});
});
