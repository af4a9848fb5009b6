/**
 * The dashboard's data as a reducer over the feed: a snapshot replaces everything, an event
 * sets its task's whole document, an update sets the changed documents and drops the removed.
 * Sequencing is the client's (`openFeed`): the store applies what it is given, and a stale
 * event never reaches it through the feed.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {openFeed, type FeedTransport} from '../../../src/core/client/feed.js';
import type {SnapshotDoc} from '../../../src/core/client/seam.js';
import type {HostDoc, Notifications} from '../../../src/core/ipc/methods.js';
import {ManualClock} from '../../../src/tui/clock.js';
import {LiveData} from '../../../src/tui/live.js';
import {diskOk, eventDoc, taskStatus} from '../../helpers/task-status.js';

const host: HostDoc = {hostname: 'host-b', load: [1, 2, 3], cpus: 4, memoryTotal: 8e9, memoryFree: 2e9, diskFree: null};

function snapshot(lastSeq: number, ids: string[]): SnapshotDoc {
	return {
		daemon: {pid: 7, startedAt: '2026-01-01T00:00:00.000Z', version: 'test', home: '/h', config: null, disk: diskOk},
		tasks: ids.map(id => taskStatus(id)),
		host: null,
		lastSeq,
	};
}

function store(): {data: LiveData; clock: ManualClock} {
	const clock = new ManualClock();
	return {data: new LiveData(50, clock), clock};
}

describe('LiveData as a reducer over the feed', () => {
	it('replaces everything with a snapshot', () => {
		const {data} = store();
		data.applySnapshot(snapshot(3, ['a', 'b']));
		data.applySnapshot({...snapshot(9, ['b', 'c']), host});
		assert.deepEqual([...data.tasks.keys()], ['b', 'c']);
		assert.equal(data.daemon?.pid, 7);
		assert.deepEqual(data.host, host);
	});

	it('sets an event’s whole document, adding a task it did not know, and parses nothing', () => {
		const {data} = store();
		data.applySnapshot(snapshot(3, ['web']));
		const exited = taskStatus('web', {state: 'backoff', pid: null, cpu: null, exitCode: 3, failures: 2, cause: 'exit', lastExit: {code: 3, signal: null, at: '2026-01-01T00:00:01.000Z'}});
		// The reason and exit texts say something else: only the document counts.
		data.applyEvent(eventDoc(4, {taskId: 'web', from: 'running', to: 'backoff', reason: 'exit 1', exit: 'exit 1', task: exited}));
		assert.deepEqual(data.tasks.get('web'), exited);
		const job = taskStatus('j-1', {kind: 'job', state: 'queued', pid: null});
		data.applyEvent(eventDoc(5, {taskId: 'j-1', from: 'queued', to: 'queued', task: job}));
		assert.deepEqual(data.tasks.get('j-1'), job);
		assert.deepEqual([...data.tasks.keys()], ['web', 'j-1']);
	});

	it('sets the changed documents of an update, drops the removed ones and takes the host', () => {
		const {data} = store();
		data.applySnapshot(snapshot(3, ['a', 'b', 'c']));
		const busy = taskStatus('a', {cpu: 42, memory: 1e6, progress: 10});
		data.applyTasks({tasks: [busy, taskStatus('d')], removed: ['b'], host, at: '2026-01-01T00:00:02.000Z'});
		assert.deepEqual([...data.tasks.keys()], ['a', 'c', 'd']);
		assert.deepEqual(data.tasks.get('a'), busy);
		assert.deepEqual(data.host, host);
	});

	it('tallies tasks per state and what slot holders claim once per change of the tasks, not per tick', () => {
		const {data} = store();
		data.applySnapshot(snapshot(3, ['a', 'b']));
		data.applyEvent(eventDoc(4, {taskId: 'b', to: 'fatal', task: taskStatus('b', {state: 'fatal', pid: null})}));
		const tally = data.tally;
		assert.deepEqual([...tally.counts].sort(), [['fatal', 1], ['running', 1]]);
		assert.equal(tally.claimed.slots, 1);
		data.tick();
		data.applyTasks({tasks: [], removed: [], host, at: '2026-01-01T00:00:02.000Z'});
		assert.equal(data.tally, tally, 'kept while no task changed');
		data.applyTasks({tasks: [taskStatus('c')], removed: ['b'], host, at: '2026-01-01T00:00:03.000Z'});
		assert.deepEqual([...data.tally.counts], [['running', 2]]);
		assert.equal(data.tally.claimed.slots, 2);
	});

	it('applies what it is given whatever its seq: ordering is the feed’s', () => {
		const {data} = store();
		data.applySnapshot(snapshot(10, ['web']));
		data.applyEvent(eventDoc(2, {taskId: 'web', to: 'fatal'}));
		assert.equal(data.tasks.get('web')?.state, 'fatal');
	});

	it('coalesces a burst into one notification per gap on its clock, and moves its time with every change', () => {
		const {data, clock} = store();
		let notified = 0;
		data.subscribe(() => notified++);
		data.applySnapshot(snapshot(1, ['web']));
		clock.advance(0);
		assert.equal(notified, 1);
		clock.advance(10);
		data.applyEvent(eventDoc(2, {taskId: 'web', to: 'backoff'}));
		data.applyEvent(eventDoc(3, {taskId: 'web', to: 'starting'}));
		assert.equal(data.now, clock.now(), 'ages are computed against the time of the change');
		clock.advance(39);
		assert.equal(notified, 1, 'not before the gap');
		clock.advance(1);
		assert.equal(notified, 2, 'once for both');
		clock.advance(1000);
		data.tick();
		assert.equal(data.now, clock.now(), 'a tick moves the ages on');
		data.dispose();
	});
});

/** A JSON-RPC connection in memory: the test answers `subscribe` and pushes notifications. */
class FakeTransport implements FeedTransport {
	readonly listeners = new Map<string, Set<(params: never) => void>>();
	answers: SnapshotDoc[] = [];
	subscribes = 0;
	#pending: Array<(doc: SnapshotDoc) => void> = [];

	call(): Promise<SnapshotDoc> {
		this.subscribes++;
		return new Promise(resolve => this.#pending.push(resolve));
	}

	on<N extends keyof Notifications>(name: N, listener: (params: Notifications[N]) => void): () => void {
		const set = this.listeners.get(name) ?? new Set();
		this.listeners.set(name, set);
		set.add(listener as (params: never) => void);
		return () => set.delete(listener as (params: never) => void);
	}

	onClose(): () => void {
		return () => {};
	}

	push<N extends keyof Notifications>(name: N, params: Notifications[N]): void {
		for (const listener of this.listeners.get(name) ?? []) {
			(listener as (p: Notifications[N]) => void)(params);
		}
	}

	answer(doc: SnapshotDoc): void {
		this.#pending.shift()?.(doc);
	}
}

describe('LiveData behind openFeed', () => {
	it('gets early events after the snapshot, never a stale one, and a new snapshot after a drop', async () => {
		const {data} = store();
		const transport = new FakeTransport();
		const opened = openFeed(transport, data.sink);
		// An event older than the snapshot and one newer arrive before its answer.
		transport.push('event', eventDoc(9, {taskId: 'web', to: 'fatal'}));
		transport.push('event', eventDoc(11, {taskId: 'web', to: 'backoff', restarts: 4}));
		transport.answer(snapshot(10, ['web']));
		const feed = await opened;
		assert.equal(data.tasks.get('web')?.state, 'backoff');
		assert.equal(data.tasks.get('web')?.restarts, 4);
		transport.push('event', eventDoc(11, {taskId: 'web', to: 'fatal'}));
		assert.equal(data.tasks.get('web')?.state, 'backoff', 'a repeated seq is skipped by the feed');
		transport.push('dropped', {count: 3});
		assert.equal(transport.subscribes, 2, 'a drop asks for the whole picture again');
		transport.answer(snapshot(20, ['worker']));
		await new Promise(resolve => setImmediate(resolve));
		assert.deepEqual([...data.tasks.keys()], ['worker']);
		await feed.close();
		data.dispose();
	});
});
