import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {deadlineOf, initialRecord, transition, type TaskEvent} from '../../../src/core/machine.js';
import type {StateKind, TaskRecord, TaskSpec, TaskState} from '../../../src/core/model.js';
import {makeSpec} from '../../helpers/spec.js';
import {samples, t0} from '../../helpers/states.js';

const later = t0 + 100_000; // every sample deadline below has passed by then
const spec = makeSpec();

const events: Record<string, TaskEvent> = {
	start: {type: 'start'},
	stop: {type: 'stop'},
	restart: {type: 'restart'},
	admit: {type: 'admit'},
	spawned: {type: 'spawned', pid: 200},
	'spawn-failed': {type: 'spawn-failed', message: 'command not found: x'},
	'spawn-waits': {type: 'spawn-failed', message: 'waiting for file descriptors: limit 64 reached; raise LimitNOFILE / ulimit -n', wait: true},
	ready: {type: 'ready'},
	exited: {type: 'exited', pid: 100, code: 1, signal: null},
	timer: {type: 'timer'},
	pause: {type: 'pause'},
	resume: {type: 'resume'},
	evict: {type: 'evict', reason: 'evicted by backup (priority 90 > 10)'},
	fault: {type: 'fault', reason: 'watchdog: no heartbeat for 30s', cause: 'watchdog'},
	retry: {type: 'retry'},
	wait: {type: 'wait', reason: 'waiting for db (ready): db starting', cause: 'dependency'},
	adopt: {type: 'adopt', pid: 300, reason: 'pid 300 left by a previous daemon', then: 'stopped'},
	'start-delayed': {type: 'start', cause: 'submitted', eligibleAt: later + 60_000},
	'retry-delayed': {type: 'retry', eligibleAt: later + 60_000},
	fail: {type: 'fail', reason: 'poison message'},
	'fail-program': {type: 'fail'},
};

/** The spec an event is tried with, when not the program's: `tm fail` is for jobs. */
const eventSpecs: Record<string, TaskSpec> = {fail: makeSpec({kind: 'job', retries: 1})};

/** A job waiting for its `--delay` to pass (it has passed by `later`). */
const delayed: TaskState = {kind: 'queued', since: t0, reason: 'submitted; delayed until …', eligibleAt: t0 + 1000};

/**
 * The specification, as a table: for each state, each event gives the next state and the effects
 * (`enqueue`, `spawn`, or a signal name), in order. A blank effect list means none.
 */
const table: Record<StateKind, Record<string, string>> = {
	stopped: {start: 'queued enqueue', stop: 'stopped', restart: 'queued enqueue', admit: 'stopped', spawned: 'stopped', 'spawn-failed': 'stopped', 'spawn-waits': 'stopped', ready: 'stopped', exited: 'stopped', timer: 'stopped', pause: 'stopped', resume: 'stopped', evict: 'stopped', fault: 'stopped', retry: 'stopped', wait: 'stopped', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'stopped', fail: 'stopped', 'fail-program': 'stopped'},
	queued: {start: 'queued', stop: 'stopped', restart: 'queued', admit: 'starting spawn', spawned: 'queued', 'spawn-failed': 'queued', 'spawn-waits': 'queued', ready: 'queued', exited: 'queued', timer: 'queued', pause: 'queued', resume: 'queued', evict: 'queued', fault: 'queued', retry: 'queued', wait: 'queued', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'queued', fail: 'failed', 'fail-program': 'queued'},
	starting: {start: 'starting', stop: 'stopping SIGTERM', restart: 'stopping SIGTERM', admit: 'starting', spawned: 'starting', 'spawn-failed': 'starting', 'spawn-waits': 'starting', ready: 'starting', exited: 'backoff', timer: 'running', pause: 'starting', resume: 'starting', evict: 'stopping SIGTERM', fault: 'stopping SIGTERM', retry: 'starting', wait: 'starting', adopt: 'starting', 'start-delayed': 'starting', 'retry-delayed': 'starting', fail: 'stopping SIGTERM', 'fail-program': 'starting'},
	running: {start: 'running', stop: 'stopping SIGTERM', restart: 'stopping SIGTERM', admit: 'running', spawned: 'running', 'spawn-failed': 'running', 'spawn-waits': 'running', ready: 'running', exited: 'backoff', timer: 'running', pause: 'paused SIGSTOP', resume: 'running', evict: 'stopping SIGTERM', fault: 'stopping SIGTERM', retry: 'running', wait: 'running', adopt: 'running', 'start-delayed': 'running', 'retry-delayed': 'running', fail: 'stopping SIGTERM', 'fail-program': 'running'},
	backoff: {start: 'queued enqueue', stop: 'stopped', restart: 'queued enqueue', admit: 'backoff', spawned: 'backoff', 'spawn-failed': 'backoff', 'spawn-waits': 'backoff', ready: 'backoff', exited: 'backoff', timer: 'queued enqueue', pause: 'backoff', resume: 'backoff', evict: 'backoff', fault: 'backoff', retry: 'backoff', wait: 'backoff', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'backoff', fail: 'failed', 'fail-program': 'backoff'},
	stopping: {start: 'stopping', stop: 'stopping', restart: 'stopping', admit: 'stopping', spawned: 'stopping', 'spawn-failed': 'stopping', 'spawn-waits': 'stopping', ready: 'stopping', exited: 'stopped', timer: 'stopping SIGKILL', pause: 'stopping', resume: 'stopping', evict: 'stopping', fault: 'stopping', retry: 'stopping', wait: 'stopping', adopt: 'stopping', 'start-delayed': 'stopping', 'retry-delayed': 'stopping', fail: 'stopping', 'fail-program': 'stopping'},
	paused: {start: 'paused', stop: 'stopping SIGTERM SIGCONT', restart: 'stopping SIGTERM SIGCONT', admit: 'paused', spawned: 'paused', 'spawn-failed': 'paused', 'spawn-waits': 'paused', ready: 'paused', exited: 'backoff', timer: 'paused', pause: 'paused', resume: 'running SIGCONT', evict: 'stopping SIGTERM SIGCONT', fault: 'stopping SIGTERM SIGCONT', retry: 'paused', wait: 'paused', adopt: 'paused', 'start-delayed': 'paused', 'retry-delayed': 'paused', fail: 'stopping SIGTERM SIGCONT', 'fail-program': 'paused'},
	completed: {start: 'queued enqueue', stop: 'completed', restart: 'queued enqueue', admit: 'completed', spawned: 'completed', 'spawn-failed': 'completed', 'spawn-waits': 'completed', ready: 'completed', exited: 'completed', timer: 'completed', pause: 'completed', resume: 'completed', evict: 'completed', fault: 'completed', retry: 'completed', wait: 'completed', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'completed', fail: 'completed', 'fail-program': 'completed'},
	failed: {start: 'queued enqueue', stop: 'failed', restart: 'queued enqueue', admit: 'failed', spawned: 'failed', 'spawn-failed': 'failed', 'spawn-waits': 'failed', ready: 'failed', exited: 'failed', timer: 'failed', pause: 'failed', resume: 'failed', evict: 'failed', fault: 'failed', retry: 'queued enqueue', wait: 'failed', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'queued', fail: 'failed', 'fail-program': 'failed'},
	fatal: {start: 'queued enqueue', stop: 'fatal', restart: 'queued enqueue', admit: 'fatal', spawned: 'fatal', 'spawn-failed': 'fatal', 'spawn-waits': 'fatal', ready: 'fatal', exited: 'fatal', timer: 'fatal', pause: 'fatal', resume: 'fatal', evict: 'fatal', fault: 'fatal', retry: 'queued enqueue', wait: 'fatal', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'queued', fail: 'fatal', 'fail-program': 'fatal'},
};

/** The delayed queued state: nothing but its time (the timer), a stop or a fail moves it. */
const delayedRow: Record<string, string> = {start: 'queued', stop: 'stopped', restart: 'queued', admit: 'starting spawn', spawned: 'queued', 'spawn-failed': 'queued', 'spawn-waits': 'queued', ready: 'queued', exited: 'queued', timer: 'queued enqueue', pause: 'queued', resume: 'queued', evict: 'queued', fault: 'queued', retry: 'queued', wait: 'queued', adopt: 'stopping SIGTERM', 'start-delayed': 'queued', 'retry-delayed': 'queued', fail: 'failed', 'fail-program': 'queued'};

function record(state: TaskState, changes: Partial<TaskRecord> = {}): TaskRecord {
	return {...initialRecord(t0), state, want: 'up', ...changes};
}

function step(rec: TaskRecord, event: TaskEvent, s: TaskSpec = spec, now = later): string {
	const {record: next, effects} = transition(rec, event, s, now);
	const words = effects.map(e => (e.type === 'signal' ? e.signal : e.type));
	return [next.state.kind, ...words].join(' ');
}

describe('transition: every (state, event) pair', () => {
	const rows: Array<[string, TaskState, Record<string, string>]> = [
		...(Object.entries(table) as Array<[StateKind, Record<string, string>]>).map(([kind, row]): [string, TaskState, Record<string, string>] => [kind, samples[kind], row]),
		['queued (delayed)', delayed, delayedRow],
	];
	for (const [kind, state, row] of rows) {
		for (const [name, expected] of Object.entries(row)) {
			it(`${kind} + ${name} → ${expected}`, () => {
				const event = events[name];
				assert.ok(event, `no sample event ${name}`);
				assert.equal(step(record(state), event, eventSpecs[name]), expected);
			});
		}
	}

	it('covers every state and every event', () => {
		assert.deepEqual(Object.keys(table).sort(), Object.keys(samples).sort());
		for (const [, , row] of rows) {
			assert.deepEqual(Object.keys(row).sort(), Object.keys(events).sort());
		}
	});
});

describe('transition: scenarios', () => {
	const fast = makeSpec({starttimeMs: 0});

	/** Runs a task from rest through admit and spawn with the given spec. */
	function started(s: TaskSpec, now = t0): TaskRecord {
		let r = transition(initialRecord(now), {type: 'start'}, s, now).record;
		r = transition(r, {type: 'admit'}, s, now).record;
		return transition(r, {type: 'spawned', pid: 100}, s, now).record;
	}

	it('with starttime 0 a spawned task is running at once', () => {
		assert.equal(started(fast).state.kind, 'running');
	});

	it('with starttime it is running only once the deadline passes', () => {
		const r = started(spec);
		assert.equal(r.state.kind, 'starting');
		assert.equal(deadlineOf(r.state), t0 + 1000);
		assert.equal(transition(r, {type: 'timer'}, spec, t0 + 999).record.state.kind, 'starting');
		assert.equal(transition(r, {type: 'timer'}, spec, t0 + 1000).record.state.kind, 'running');
	});

	it('crashes back off exponentially up to the cap, and the attempt counts up', () => {
		const s = makeSpec({starttimeMs: 0, backoff: {initialMs: 1000, factor: 2, maxMs: 5000, jitter: 0, resetAfterMs: 60_000}});
		let r = started(s);
		let now = t0;
		const delays: number[] = [];
		for (let i = 0; i < 5; i++) {
			r = transition(r, {type: 'exited', pid: 100, code: 1, signal: null}, s, now).record;
			assert.equal(r.state.kind, 'backoff');
			const {until} = r.state as Extract<TaskState, {kind: 'backoff'}>;
			delays.push(until - now);
			now = until;
			r = transition(r, {type: 'timer'}, s, now).record;
			assert.equal(r.state.kind, 'queued');
			r = transition(r, {type: 'admit'}, s, now).record;
			r = transition(r, {type: 'spawned', pid: 100}, s, now).record;
		}

		assert.deepEqual(delays, [1000, 2000, 4000, 5000, 5000]);
		assert.equal(r.restarts, 5);
		assert.equal(r.attempt, 6);
	});

	it('jitter stays within its band and under the cap', () => {
		const s = makeSpec({starttimeMs: 0, backoff: {initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.2, resetAfterMs: 60_000}});
		for (const random of [0, 0.25, 0.5, 0.999]) {
			const r = transition(started(s), {type: 'exited', pid: 100, code: 1, signal: null}, s, t0, random).record;
			const delay = (r.state as Extract<TaskState, {kind: 'backoff'}>).until - t0;
			assert.ok(delay >= 800 && delay <= 1200, `delay ${delay} for random ${random}`);
		}
	});

	it('a run that stayed up for reset_after resets the backoff', () => {
		const s = makeSpec({starttimeMs: 0, backoff: {initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0, resetAfterMs: 60_000}});
		const crashed = {...started(s), crashes: 4};
		const quick = transition(crashed, {type: 'exited', pid: 100, code: 1, signal: null}, s, t0 + 1000).record;
		assert.equal((quick.state as Extract<TaskState, {kind: 'backoff'}>).until - (t0 + 1000), 16_000);
		const stable = transition(crashed, {type: 'exited', pid: 100, code: 1, signal: null}, s, t0 + 60_000).record;
		assert.equal((stable.state as Extract<TaskState, {kind: 'backoff'}>).until - (t0 + 60_000), 1000);
	});

	it('max_restarts: more than count automatic restarts within the window after good starts end in fatal (cause max_restarts)', () => {
		const s = makeSpec({starttimeMs: 0, maxRestarts: {count: 3, withinMs: 60_000}, backoff: {initialMs: 1000, factor: 1, maxMs: 1000, jitter: 0, resetAfterMs: 60_000}});
		/** Crashes `n` times, `gap` ms after each start; the states after each crash. */
		const crash = (r: TaskRecord, n: number, gap: number, from: number, spec: TaskSpec = s): {record: TaskRecord; states: string[]; now: number} => {
			const states: string[] = [];
			let now = from;
			for (let i = 0; i < n; i++) {
				now += gap;
				r = transition(r, {type: 'exited', pid: 100, code: 1, signal: null}, spec, now).record;
				states.push(r.state.kind);
				if (r.state.kind === 'backoff') {
					now = r.state.until;
					for (const event of [{type: 'timer'}, {type: 'admit'}, {type: 'spawned', pid: 100}] as TaskEvent[]) {
						r = transition(r, event, spec, now).record;
					}
				}
			}

			return {record: r, states, now};
		};

		const loop = crash(started(s), 4, 100, t0);
		assert.deepEqual(loop.states, ['backoff', 'backoff', 'backoff', 'fatal'], 'the fourth restart within a minute is one too many');
		assert.equal(loop.record.cause, 'max_restarts');
		assert.equal(loop.record.state.reason, 'exit 1; gave up after 3 restarts within 1m (max_restarts)');
		assert.deepEqual((loop.record.state as Extract<TaskState, {kind: 'fatal'}>).lastExit?.code, 1);
		const slow = crash(started(s), 8, 30_000, t0);
		assert.deepEqual(new Set(slow.states), new Set(['backoff']), 'restarts spread wider than the window never add up');
		const off = makeSpec({...s, maxRestarts: null});
		const unlimited = crash(started(off), 6, 100, t0, off);
		assert.deepEqual(new Set(unlimited.states), new Set(['backoff']), 'off by default');
		const again = transition(loop.record, {type: 'start'}, s, loop.now).record;
		assert.deepEqual(again.restartTimes, [], 'a start by hand counts afresh');
		assert.equal(transition(transition(loop.record, {type: 'retry'}, s, loop.now).record, {type: 'admit'}, s, loop.now).record.restartTimes?.length, 0);
	});

	it('startretries failed starts end in fatal (supervisord: 1 + startretries attempts)', () => {
		const s = makeSpec({startretries: 2, starttimeMs: 1000});
		let r = started(s);
		let now = t0;
		const kinds: string[] = [];
		for (let i = 0; i < 3; i++) {
			r = transition(r, {type: 'exited', pid: 100, code: 0, signal: null}, s, now + 10).record;
			kinds.push(r.state.kind);
			if (r.state.kind !== 'backoff') {
				break;
			}

			now = r.state.until;
			r = transition(transition(r, {type: 'timer'}, s, now).record, {type: 'admit'}, s, now).record;
			r = transition(r, {type: 'spawned', pid: 100}, s, now).record;
		}

		assert.deepEqual(kinds, ['backoff', 'backoff', 'fatal']);
		assert.match(r.state.reason, /before starttime; gave up after 3 tries/);
	});

	it('reaching running clears the failed-start count', () => {
		const s = makeSpec({startretries: 1});
		const r = {...started(s), failures: 1};
		assert.equal(transition(r, {type: 'timer'}, s, t0 + 1000).record.failures, 0);
	});

	for (const [autorestart, code, expected] of [
		['unexpected', 0, 'completed'],
		['unexpected', 2, 'completed'],
		['unexpected', 3, 'backoff'],
		['always', 0, 'backoff'],
		['always', 3, 'backoff'],
		['never', 0, 'completed'],
		['never', 3, 'failed'],
	] as const) {
		it(`autorestart ${autorestart} with exitcodes [0, 2]: exit ${code} → ${expected}`, () => {
			const s = makeSpec({starttimeMs: 0, autorestart, exitcodes: [0, 2]});
			const r = transition(started(s), {type: 'exited', pid: 100, code, signal: null}, s, t0).record;
			assert.equal(r.state.kind, expected);
		});
	}

	it('a signal death is never an expected exit', () => {
		const s = makeSpec({starttimeMs: 0, autorestart: 'unexpected'});
		const r = transition(started(s), {type: 'exited', pid: 100, code: null, signal: 'SIGSEGV'}, s, t0).record;
		assert.equal(r.state.kind, 'backoff');
		assert.match(r.state.reason, /killed by SIGSEGV/);
	});

	it('a job completes on an expected exit and goes to failed after its retries', () => {
		const s = makeSpec({kind: 'job', starttimeMs: 0, retries: 1});
		assert.equal(transition(started(s), {type: 'exited', pid: 100, code: 0, signal: null}, s, t0).record.state.kind, 'completed');
		const once = transition(started(s), {type: 'exited', pid: 100, code: 1, signal: null}, s, t0).record;
		assert.equal(once.state.kind, 'backoff');
		const twice = transition({...once, state: samples.running}, {type: 'exited', pid: 100, code: 1, signal: null}, s, t0).record;
		assert.equal(twice.state.kind, 'failed');
	});

	it('stop escalates to SIGKILL at stoptime and ends stopped with the exit', () => {
		let r = started(makeSpec({starttimeMs: 0}));
		const stop = transition(r, {type: 'stop'}, spec, t0);
		assert.deepEqual(stop.effects, [{type: 'signal', signal: 'SIGTERM'}]);
		r = stop.record;
		assert.equal(deadlineOf(r.state), t0 + 10_000);
		assert.equal(r.want, 'down');
		const kill = transition(r, {type: 'timer'}, spec, t0 + 10_000);
		assert.deepEqual(kill.effects, [{type: 'signal', signal: 'SIGKILL'}]);
		assert.equal(deadlineOf(kill.record.state), null);
		const end = transition(kill.record, {type: 'exited', pid: 100, code: null, signal: 'SIGKILL'}, spec, t0 + 10_001).record;
		assert.equal(end.state.kind, 'stopped');
		assert.match(end.state.reason, /SIGKILL after 10s/);
	});

	it('a manual restart counts as a restart and does not reset the attempt count', () => {
		const s = makeSpec({starttimeMs: 0});
		let r = transition(started(s), {type: 'restart'}, s, t0).record;
		r = transition(r, {type: 'exited', pid: 100, code: null, signal: 'SIGTERM'}, s, t0).record;
		assert.equal(r.state.kind, 'queued');
		r = transition(r, {type: 'admit'}, s, t0).record;
		assert.equal(r.restarts, 1);
		assert.equal(r.attempt, 2);
	});

	it('an exit of another pid is ignored', () => {
		const r = started(makeSpec({starttimeMs: 0}));
		assert.equal(transition(r, {type: 'exited', pid: 999, code: 1, signal: null}, spec, t0).record, r);
	});

	it('ready gates running when readiness is configured, with starttime as the deadline', () => {
		const s = makeSpec({ready: {kind: 'fd'}, starttimeMs: 5000});
		const r = started(s);
		assert.equal(r.state.kind, 'starting');
		assert.equal(transition(r, {type: 'ready'}, s, t0 + 10).record.state.kind, 'running');
		const late = transition(r, {type: 'timer'}, s, t0 + 5000);
		assert.equal(late.record.state.kind, 'stopping');
		assert.match(late.record.state.reason, /not ready after 5s/);
	});

	it('a fault stops the task and then applies the restart policy as a failure', () => {
		const s = makeSpec({starttimeMs: 0, autorestart: 'unexpected'});
		let r = transition(started(s), {type: 'fault', reason: 'watchdog: no heartbeat for 30s', cause: 'watchdog'}, s, t0).record;
		assert.equal(r.state.kind, 'stopping');
		r = transition(r, {type: 'exited', pid: 100, code: 0, signal: null}, s, t0).record;
		assert.equal(r.state.kind, 'backoff');
		assert.match(r.state.reason, /watchdog/);
	});

	it('an evicted task goes back to the queue', () => {
		const s = makeSpec({starttimeMs: 0});
		let r = transition(started(s), {type: 'evict', reason: 'evicted by backup (priority 90 > 10)'}, s, t0).record;
		r = transition(r, {type: 'exited', pid: 100, code: null, signal: 'SIGTERM'}, s, t0).record;
		assert.equal(r.state.kind, 'queued');
		assert.match(r.state.reason, /evicted by backup/);
		assert.deepEqual([r.attempt, r.failures], [1, 0], 'waiting, it shows the attempt that ran; no retry used');
		r = transition(r, {type: 'admit'}, s, t0).record;
		assert.deepEqual([r.attempt, r.restarts], [2, 1], 'its next run is its next attempt');
	});

	it('a spawn failure backs off and names the problem', () => {
		let r = transition(initialRecord(t0), {type: 'start'}, spec, t0).record;
		r = transition(r, {type: 'admit'}, spec, t0).record;
		r = transition(r, {type: 'spawn-failed', message: 'command not found: nope'}, spec, t0).record;
		assert.equal(r.state.kind, 'backoff');
		assert.match(r.state.reason, /command not found: nope/);
	});

	it('a start that found no file descriptor waits in the queue, however often, and is never fatal', () => {
		const s = makeSpec({starttimeMs: 0, startretries: 1});
		const waits: TaskEvent = {type: 'spawn-failed', message: 'waiting for file descriptors: limit 64 reached; raise LimitNOFILE / ulimit -n', wait: true};
		let r = transition(started(s), {type: 'restart'}, s, t0).record;
		r = transition(r, {type: 'exited', pid: 100, code: null, signal: 'SIGTERM'}, s, t0).record;
		const before = r;
		for (let i = 0; i < 5; i++) {
			r = transition(r, {type: 'admit'}, s, t0).record;
			const next = transition(r, waits, s, t0);
			r = next.record;
			assert.equal(r.state.kind, 'queued');
			assert.equal(r.cause, 'descriptors');
			assert.match(r.state.reason, /waiting for file descriptors: limit 64/);
			assert.deepEqual(next.effects, [{type: 'enqueue'}]);
			assert.deepEqual([r.attempt, r.restarts, r.failures], [before.attempt, before.restarts, before.failures]);
		}

		r = transition(r, {type: 'admit'}, s, t0).record;
		r = transition(r, {type: 'spawned', pid: 101}, s, t0).record;
		assert.equal(r.state.kind, 'running');
		assert.deepEqual([r.attempt, r.restarts], [2, 1]);
	});

	it('without `wait` the same failure counts as a failed start', () => {
		const s = makeSpec({starttimeMs: 0, startretries: 0});
		let r = transition(initialRecord(t0), {type: 'start'}, s, t0).record;
		r = transition(r, {type: 'admit'}, s, t0).record;
		r = transition(r, {type: 'spawn-failed', message: 'cannot spawn x: pipe EMFILE: Too many open files'}, s, t0).record;
		assert.equal(r.state.kind, 'fatal');
	});
});

describe('transition: shutdown keeps what a person wanted', () => {
	it('a stop for shutdown stops the task but keeps want up', () => {
		const r = record(samples.running);
		const shutdown = transition(r, {type: 'stop', shutdown: true}, spec, later).record;
		assert.equal(shutdown.state.kind, 'stopping');
		assert.equal(shutdown.want, 'up');
		assert.equal(transition(r, {type: 'stop'}, spec, later).record.want, 'down');
	});
});

describe('jobs', () => {
	const job = makeSpec({kind: 'job', retries: 2, starttimeMs: 0, autorestart: 'never'});
	let now = t0;
	const run = (record: TaskRecord, ...steps: TaskEvent[]): TaskRecord =>
		steps.reduce((r, event) => transition(r, event, job, (now += 100_000)).record, record);

	it('counts a job\'s failures across runs: --retries 2 means three runs, then failed', () => {
		let record = run(initialRecord(t0), {type: 'start'});
		for (let attempt = 1; attempt <= 3; attempt++) {
			record = run(record, {type: 'admit'}, {type: 'spawned', pid: 100 + attempt});
			assert.equal(record.state.kind, 'running');
			record = run(record, {type: 'exited', pid: 100 + attempt, code: 7, signal: null});
			if (attempt < 3) {
				assert.equal(record.state.kind, 'backoff');
				record = run(record, {type: 'timer'});
			}
		}

		assert.equal(record.state.kind, 'failed');
		assert.match(record.state.reason, /gave up after 3 tries/);
	});

	it('retry puts a failed job back as its next attempt with its retries restored', () => {
		const failed: TaskRecord = {...initialRecord(t0), state: samples.failed, attempt: 3, failures: 3, restarts: 2};
		const queued = run(failed, {type: 'retry'});
		assert.equal(queued.state.kind, 'queued');
		assert.equal(queued.failures, 0);
		const started = run(queued, {type: 'admit'});
		assert.equal(started.attempt, 4);
		assert.equal(started.restarts, 3);
	});
});

describe('delays (tm run --delay/--at, tm retry --delay)', () => {
	const job = makeSpec({kind: 'job', retries: 0, starttimeMs: 0, autorestart: 'never'});
	const at = t0 + 30_000;

	it('a delayed start is queued without asking for a slot; its time is the deadline; then it asks, cause delay_over', () => {
		const submitted = transition(initialRecord(t0), {type: 'start', cause: 'submitted', reason: 'submitted', eligibleAt: at}, job, t0);
		assert.deepEqual(submitted.effects, []);
		assert.deepEqual(submitted.record.state, {kind: 'queued', since: t0, reason: `submitted; delayed until ${new Date(at).toISOString()}`, eligibleAt: at});
		assert.equal(submitted.record.cause, 'submitted');
		assert.equal(deadlineOf(submitted.record.state), at);

		assert.equal(transition(submitted.record, {type: 'timer'}, job, at - 1).record, submitted.record, 'not before its time');
		assert.equal(transition(submitted.record, {type: 'admit'}, job, at - 1).record, submitted.record, 'never admitted before its time');

		const due = transition(submitted.record, {type: 'timer'}, job, at);
		assert.deepEqual(due.effects, [{type: 'enqueue'}]);
		assert.deepEqual(due.record.state, {kind: 'queued', since: at, reason: 'delay over', eligibleAt: null});
		assert.equal(due.record.cause, 'delay_over');
		assert.equal(deadlineOf(due.record.state), null);
		assert.equal(transition(due.record, {type: 'admit'}, job, at).record.state.kind, 'starting');
	});

	it('a time already passed is no delay: queued and asking at once', () => {
		const now = transition(initialRecord(t0), {type: 'start', eligibleAt: t0}, job, t0);
		assert.deepEqual(now.effects, [{type: 'enqueue'}]);
		assert.equal(now.record.state.kind === 'queued' && now.record.state.eligibleAt, null);
	});

	it('a stop (tm cancel) ends a delay; a later start queues it at once', () => {
		const waiting = transition(initialRecord(t0), {type: 'start', eligibleAt: at}, job, t0).record;
		const cancelled = transition(waiting, {type: 'stop', reason: 'cancelled', cause: 'cancelled'}, job, t0 + 1);
		assert.equal(cancelled.record.state.kind, 'stopped');
		assert.equal(deadlineOf(cancelled.record.state), null);
		assert.deepEqual(transition(cancelled.record, {type: 'start'}, job, t0 + 2).effects, [{type: 'enqueue'}]);
	});

	it('a daemon shutdown leaves a delayed job waiting for its time (the next daemon keeps it); a queued one stops', () => {
		const waiting = transition(initialRecord(t0), {type: 'start', eligibleAt: at}, job, t0).record;
		assert.equal(transition(waiting, {type: 'stop', shutdown: true}, job, t0 + 1).record, waiting);
		const queued = transition(initialRecord(t0), {type: 'start'}, job, t0).record;
		assert.equal(transition(queued, {type: 'stop', shutdown: true}, job, t0 + 1).record.state.kind, 'stopped');
	});

	it('retry --delay puts a failed job back, eligible later, with its retries restored', () => {
		const failed: TaskRecord = {...initialRecord(t0), state: samples.failed, attempt: 1, failures: 1};
		const back = transition(failed, {type: 'retry', eligibleAt: at}, job, t0);
		assert.deepEqual(back.effects, []);
		assert.equal(back.record.failures, 0);
		assert.equal(back.record.cause, 'requested');
		assert.match(back.record.state.reason, /^retry requested; delayed until /);
		assert.deepEqual(transition(back.record, {type: 'timer'}, job, at).effects, [{type: 'enqueue'}]);
	});
});

describe('tm fail (dead letter by hand)', () => {
	const job = makeSpec({kind: 'job', retries: 3, starttimeMs: 0, autorestart: 'never', stoptimeMs: 5000});
	const running: TaskRecord = {...initialRecord(t0), state: samples.running, want: 'up', attempt: 1, upSince: t0};

	it('a queued job is failed at once with cause dead_letter and the reason; retry brings it back', () => {
		const queued: TaskRecord = {...initialRecord(t0), state: samples.queued, want: 'up'};
		const failed = transition(queued, {type: 'fail', reason: 'poison message'}, job, t0 + 1);
		assert.deepEqual(failed.effects, []);
		assert.deepEqual(failed.record.state, {kind: 'failed', since: t0 + 1, reason: 'failed by hand: poison message', lastExit: null});
		assert.equal(failed.record.cause, 'dead_letter');
		const back = transition(failed.record, {type: 'retry'}, job, t0 + 2);
		assert.equal(back.record.state.kind, 'queued');
		assert.deepEqual(back.effects, [{type: 'enqueue'}]);
	});

	it('a running job is stopped first (stop signal, SIGKILL at stoptime), then failed, keeping the cause', () => {
		const stopping = transition(running, {type: 'fail'}, job, t0 + 10);
		assert.deepEqual(stopping.effects, [{type: 'signal', signal: 'SIGTERM'}]);
		assert.equal(stopping.record.state.kind === 'stopping' && stopping.record.state.then, 'fail');
		assert.equal(stopping.record.cause, 'dead_letter');
		const killed = transition(stopping.record, {type: 'timer'}, job, t0 + 10 + 5000);
		assert.deepEqual(killed.effects, [{type: 'signal', signal: 'SIGKILL'}]);
		assert.equal(killed.record.cause, 'dead_letter');
		const done = transition(killed.record, {type: 'exited', pid: 100, code: null, signal: 'SIGKILL'}, job, t0 + 5011);
		assert.equal(done.record.state.kind, 'failed');
		assert.match(done.record.state.reason, /^failed by hand; SIGKILL after 5s$/);
		assert.equal(done.record.cause, 'dead_letter');
		assert.equal(done.record.failures, 0, 'no retry used: a person decided');
	});

	it('a job being cancelled is failed instead once it is gone', () => {
		const cancelling = transition(running, {type: 'stop', reason: 'cancelled', cause: 'cancelled'}, job, t0 + 1).record;
		const failing = transition(cancelling, {type: 'fail', reason: 'bad input'}, job, t0 + 2).record;
		const done = transition(failing, {type: 'exited', pid: 100, code: 0, signal: null}, job, t0 + 3).record;
		assert.deepEqual([done.state.kind, done.state.reason, done.cause], ['failed', 'failed by hand: bad input', 'dead_letter']);
	});

	it('a program is never failed by hand', () => {
		const program = makeSpec();
		const up: TaskRecord = {...running};
		assert.equal(transition(up, {type: 'fail'}, program, t0 + 1).record, up);
	});

	it("a process a dead daemon left for a job failed by hand is stopped and the job stays failed, with its reason and cause", () => {
		const failed: TaskRecord = {...initialRecord(t0), state: {kind: 'failed', since: t0, reason: 'failed by hand: x', lastExit: null}, cause: 'dead_letter', want: 'up'};
		const adopted = transition(failed, {type: 'adopt', pid: 300, reason: 'pid 300 left by a previous daemon', then: 'fail'}, job, t0 + 1).record;
		assert.equal(adopted.state.kind, 'stopping');
		const done = transition(adopted, {type: 'exited', pid: 300, code: null, signal: 'SIGTERM'}, job, t0 + 2).record;
		assert.deepEqual([done.state.kind, done.cause], ['failed', 'dead_letter']);
		assert.match(done.state.reason, /^failed by hand: x; pid 300 left by a previous daemon/);
	});
});
