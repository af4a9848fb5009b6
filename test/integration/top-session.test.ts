/**
 * The dashboard's session against a scripted daemon on a real socket, on a manual clock:
 * snapshot then events and updates (and nothing asked for them), the selected task's log,
 * actions and their notices, `describe` once per opened detail, methods the daemon does not
 * know yet, and coming back by itself after the daemon went away.
 */
import assert from 'node:assert/strict';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {SocketClient} from '../../src/core/client/socket-client.js';
import {systemClock} from '../../src/core/clock.js';
import type {EventDoc, LogLineDoc, StatusDoc, TaskStatus, TasksUpdate} from '../../src/core/ipc/methods.js';
import {RpcServer, type ConnectionContext, type Handlers} from '../../src/core/ipc/server.js';
import {summarize} from '../../src/tui/actions.js';
import {ManualClock} from '../../src/tui/clock.js';
import type {DetailState} from '../../src/tui/details.js';
import {Session} from '../../src/tui/session.js';
import {tempDir} from '../helpers/harness.js';
import {diskOk, eventDoc, taskStatus} from '../helpers/task-status.js';
import {waitFor} from '../helpers/wait.js';

function task(name: string, fields: Partial<TaskStatus> = {}): TaskStatus {
	return taskStatus(name, {program: name, startedAt: new Date().toISOString(), ...fields});
}

/** A daemon that answers from `tasks` and lets the test push events and log lines. */
class FakeDaemon {
	readonly socketPath: string;
	tasks = [task('web'), task('worker')];
	seq = 10;
	subscribers: ConnectionContext[] = [];
	followers: Array<{ctx: ConnectionContext; name: string}> = [];
	calls: Array<{method: string; params: unknown}> = [];
	/** Whether the daemon answers `describe` (older daemons do not). */
	describes = false;
	#server: RpcServer | null = null;

	constructor(dir: string) {
		this.socketPath = path.join(dir, 'tm.sock');
	}

	doc(): StatusDoc {
		return {daemon: {pid: 1, startedAt: new Date().toISOString(), version: 'test', home: '/h', config: null, disk: diskOk}, tasks: this.tasks};
	}

	handlers(): Handlers {
		const describe: Handlers = {
			describe: params => {
				const {name} = params as {name: string};
				this.calls.push({method: 'describe', params: name});
				const status = this.tasks.find(t => t.id === name)!;
				return {
					...status,
					cmd: 'sleep 1',
					argv: ['sleep', '1'],
					cwd: '/srv',
					user: null,
					autorestart: 'unexpected',
					exitcodes: [0],
					maxRetries: 3,
					failures: status.restarts,
					stopsignal: 'SIGTERM',
					stoptimeMs: 1000,
					watchdogMs: 30_000,
					heartbeatIntervalMs: 10_000,
					maxRuntimeMs: null,
					maxMemory: null,
					lastExit: null,
					checkpointBytes: 0,
					logs: {stdout: '/o', stderr: '/e'},
					dependsOn: {},
					schedule: null,
				};
			},
		};
		return {
			...(this.describes ? describe : {}),
			subscribe: (_params, ctx) => {
				this.subscribers.push(ctx);
				return {...this.doc(), lastSeq: this.seq};
			},
			status: params => {
				const names = (params as {names?: string[]} | null)?.names;
				this.calls.push({method: 'status', params: names ?? null});
				return names ? {...this.doc(), tasks: this.tasks.filter(t => names.includes(t.id))} : this.doc();
			},
			logs: (params, ctx) => {
				const {name} = params as {name: string};
				this.followers.push({ctx, name});
				return {lines: [{seq: 1, at: new Date().toISOString(), stream: 'stdout', text: `${name} says hi`}]};
			},
			restart: params => {
				this.calls.push({method: 'restart', params});
				const {names} = params as {names: string[]};
				return {results: names.map(name => ({name, ok: true, outcome: 'done', state: 'running'}))};
			},
		};
	}

	async listen(): Promise<void> {
		this.#server = new RpcServer({socketPath: this.socketPath, handlers: this.handlers(), version: 'test', clock: systemClock});
		await this.#server.listen();
	}

	async close(): Promise<void> {
		await this.#server?.close();
		this.#server = null;
		this.subscribers = [];
		this.followers = [];
	}

	event(fields: Partial<EventDoc> & {taskId: string; to: string}): void {
		this.seq++;
		const event: EventDoc = eventDoc(this.seq, {at: new Date().toISOString(), from: 'running', reason: 'test', pid: 200, restarts: 1, attempt: 2, ...fields});
		for (const ctx of this.subscribers) {
			ctx.notify('event', event);
		}
	}

	update(fields: Partial<TasksUpdate>): void {
		const update: TasksUpdate = {tasks: [], removed: [], host: null, at: new Date().toISOString(), ...fields};
		for (const ctx of this.subscribers) {
			ctx.notify('tasks', update);
		}
	}

	line(name: string, seq: number, text: string, stream: LogLineDoc['stream'] = 'stdout'): void {
		for (const follower of this.followers.filter(f => f.name === name && !f.ctx.closed)) {
			follower.ctx.notify('log', {taskId: name, line: {seq, at: new Date().toISOString(), stream, text}});
		}
	}
}

const sessions: Session[] = [];
const daemons: FakeDaemon[] = [];
const dirs: string[] = [];
after(async () => {
	await Promise.all(sessions.map(s => s.close()));
	await Promise.all(daemons.map(d => d.close()));
	for (const dir of dirs) {
		rmSync(dir, {recursive: true, force: true});
	}
});

function scratch(): string {
	const dir = tempDir('tm-top-');
	dirs.push(dir);
	return dir;
}

type Setup = {daemon: FakeDaemon; session: Session; clock: ManualClock; notices: Array<{text: string; error: boolean}>};

async function setup(describes = false): Promise<Setup> {
	const daemon = new FakeDaemon(scratch());
	daemon.describes = describes;
	daemons.push(daemon);
	await daemon.listen();
	const notices: Array<{text: string; error: boolean}> = [];
	const clock = new ManualClock();
	const session = new Session({
		connect: () => SocketClient.connect(daemon.socketPath, {client: 'tm-top'}),
		clock,
		intervalMs: 200,
		logFlushMs: 10,
		followDelayMs: 10,
		maxRetryMs: 100,
		onNotice: (text, error) => notices.push({text, error}),
	});
	sessions.push(session);
	await session.start();
	return {daemon, session, clock, notices};
}

/** Moves the clock on until `accept` holds for what `probe` sees (retries and pauses run on it). */
function advanceUntil<T>(clock: ManualClock, probe: () => T, accept: (value: T) => boolean, what: string): Promise<T> {
	return waitFor(
		() => {
			clock.advance(100);
			return probe();
		},
		accept,
		{what},
	);
}

describe('tm top session', () => {
	it('takes the snapshot, applies events and updates, and asks the daemon nothing for them', async () => {
		const {daemon, session} = await setup();
		assert.deepEqual([...session.data.tasks.keys()], ['web', 'worker']);
		assert.equal(session.data.connection.status, 'connected');
		daemon.event({taskId: 'web', to: 'backoff', restarts: 3});
		await waitFor(() => session.data.tasks.get('web')?.state, state => state === 'backoff', {what: 'the event applied'});
		assert.equal(session.data.tasks.get('web')?.restarts, 3);
		assert.equal(session.data.tasks.get('web')?.pid, 200);
		// A stale event (seq not above the snapshot's) changes nothing.
		daemon.seq = 0;
		daemon.event({taskId: 'worker', to: 'fatal'});
		daemon.update({tasks: [task('web', {cpu: 12.5}), task('j-1', {kind: 'job'})]});
		await waitFor(() => session.data.tasks.get('j-1')?.kind, kind => kind === 'job', {what: 'an update with the new task'});
		assert.equal(session.data.tasks.get('web')?.cpu, 12.5);
		assert.equal(session.data.tasks.get('worker')?.state, 'running');
		daemon.update({removed: ['j-1']});
		await waitFor(() => session.data.tasks.has('j-1'), has => !has, {what: 'the job gone'});
		assert.deepEqual(daemon.calls, [], 'no status poll, no describe');
	});

	it('follows the selected task’s log, and switching tasks starts over', async () => {
		const {daemon, session, clock} = await setup();
		session.follow('web');
		assert.equal(daemon.followers.length, 0, 'not before the pause');
		clock.advance(10);
		await waitFor(() => session.logs.status, status => status === 'following', {what: 'following web'});
		daemon.line('web', 2, 'one');
		daemon.line('web', 3, 'two', 'stderr');
		await waitFor(() => session.logs.ring.size, size => size === 3, {what: 'three lines'});
		assert.deepEqual(
			[0, 1, 2].map(i => session.logs.ring.at(i)),
			[
				{stream: 'stdout', text: 'web says hi'},
				{stream: 'stdout', text: 'one'},
				{stream: 'stderr', text: 'two'},
			],
		);
		session.follow('worker');
		assert.equal(session.logs.ring.size, 0, 'the old task’s lines are gone at once');
		clock.advance(10);
		await waitFor(() => session.logs.status, status => status === 'following', {what: 'following worker'});
		assert.equal(session.logs.taskId, 'worker');
		assert.equal(session.logs.ring.at(session.logs.ring.first)?.text, 'worker says hi');
		// The first follow connection was closed: the daemon stops sending web's lines.
		await waitFor(() => daemon.followers.find(f => f.name === 'web')?.ctx.closed, closed => closed === true, {what: 'the old follow closed'});
	});

	it('carries out actions and reports them; a method the daemon lacks is said, not thrown', async () => {
		const {daemon, session, clock, notices} = await setup();
		await session.perform({kind: 'act', verb: 'restart', names: ['web']});
		assert.deepEqual(daemon.calls.find(c => c.method === 'restart')?.params, {names: ['web'], wait: true});
		assert.deepEqual(notices.at(-1), {text: 'restarted web: running', error: false});
		await session.perform({kind: 'act', verb: 'pause', names: ['web']});
		assert.deepEqual(notices.at(-1), {text: 'pause: this daemon does not support it yet', error: true});
		session.showDetail('web');
		clock.advance(10);
		await waitFor(() => session.details.current?.status, status => status === 'unsupported', {what: 'describe found missing'});
	});

	it('shows the daemon gone and comes back by itself when it returns', async () => {
		const {daemon, session, clock} = await setup();
		session.follow('web');
		clock.advance(10);
		await waitFor(() => session.logs.status, status => status === 'following', {what: 'following web'});
		await daemon.close();
		await waitFor(() => session.data.connection.status, status => status === 'disconnected', {what: 'disconnected'});
		await advanceUntil(clock, () => session.data.connection.attempts, attempts => attempts >= 1, 'retrying');
		daemon.tasks = [task('web', {restarts: 7})];
		await daemon.listen();
		await advanceUntil(clock, () => session.data.connection.status, status => status === 'connected', 'connected again');
		assert.equal(session.data.tasks.get('web')?.restarts, 7);
		assert.equal(session.data.tasks.has('worker'), false);
		await waitFor(() => session.logs.status, status => status === 'following', {what: 'following web again'});
		daemon.line('web', 5, 'after the restart');
		await waitFor(() => session.logs.ring.at(session.logs.ring.end - 1)?.text, text => text === 'after the restart', {what: 'new lines'});
	});

	it('fails to start when no daemon answers', async () => {
		const socketPath = path.join(scratch(), 'none.sock');
		const session = new Session({connect: () => SocketClient.connect(socketPath), intervalMs: 1000});
		sessions.push(session);
		await assert.rejects(session.start(), (error: Error & {code?: string}) => error.code === 'E_DAEMON_NOT_RUNNING');
	});
});

describe('summarize', () => {
	it('says what happened to one task or to many', () => {
		assert.deepEqual(summarize('stopped', [{name: 'web', ok: true, outcome: 'done', state: 'stopped'}]), {text: 'stopped web: stopped', error: false});
		assert.deepEqual(summarize('restarted', [{name: 'web', ok: false, outcome: 'failed', state: 'fatal', error: 'spawn failed'}]), {text: 'restarted web failed: spawn failed', error: true});
		assert.deepEqual(
			summarize('stopped', [
				{name: 'a', ok: true, outcome: 'done', state: 'stopped'},
				{name: 'b', ok: true, outcome: 'done', state: 'stopped'},
			]),
			{text: 'stopped: 2 tasks ok', error: false},
		);
		assert.deepEqual(
			summarize('stopped', [
				{name: 'a', ok: true, outcome: 'done', state: 'stopped'},
				{name: 'b', ok: false, outcome: 'failed', state: 'running', error: 'no'},
			]),
			{text: 'stopped: 1 ok, 1 failed (b: no)', error: true},
		);
	});
});

describe('tm top session time', () => {
	it('moves the ages on every interval of its clock, asking the daemon nothing', async () => {
		const {daemon, session, clock} = await setup();
		const before = session.data.now;
		clock.advance(199);
		assert.equal(session.data.now, before);
		clock.advance(1);
		assert.equal(session.data.now, before + 200);
		clock.advance(1000);
		assert.equal(session.data.now, before + 1200);
		assert.deepEqual(daemon.calls, []);
	});
});

describe('tm top session details', () => {
	it('describes a task once when its detail opens, not for its events, and again when it opens again', async () => {
		const {daemon, session, clock} = await setup(true);
		const described = () => daemon.calls.filter(c => c.method === 'describe').map(c => c.params);
		const shown = (): DetailState | null => session.details.current;
		session.showDetail('web');
		assert.equal(shown()?.status, 'loading');
		clock.advance(10);
		const ready = await waitFor(shown, state => state?.status === 'ready', {what: 'web described'});
		assert.equal(ready?.status === 'ready' ? ready.detail.cmd : null, 'sleep 1');
		// Its failures change with an event: the document says so, nobody asks again.
		daemon.event({taskId: 'web', to: 'backoff', task: task('web', {state: 'backoff', failures: 2})});
		await waitFor(() => session.data.tasks.get('web')?.failures, failures => failures === 2, {what: 'the event applied'});
		assert.deepEqual(described(), ['web']);
		// Scrolling past worker within the pause asks nothing for it.
		session.showDetail(null);
		session.showDetail('worker');
		session.showDetail('web');
		clock.advance(10);
		await waitFor(described, names => names.length === 2, {what: 'web described again'});
		assert.deepEqual(described(), ['web', 'web']);
		assert.equal(daemon.calls.filter(c => c.method === 'status').length, 0);
	});
});
