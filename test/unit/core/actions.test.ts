import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {outcomeOf, settled, succeeded, type Mark, type WaitedAction} from '../../../src/core/actions.js';
import {initialRecord, pidOf, transition, type TaskEvent} from '../../../src/core/machine.js';
import type {StateKind, TaskRecord, TaskState} from '../../../src/core/model.js';
import {makeSpec} from '../../helpers/spec.js';
import {samples, t0} from '../../helpers/states.js';

const spec = makeSpec({starttimeMs: 1000});

/** What the world does next to a task left alone: slots free, processes start and stop as asked. */
function nextFact(state: TaskState, pid: number): TaskEvent | null {
	switch (state.kind) {
		case 'queued': {
			return {type: 'admit'};
		}

		case 'starting': {
			return state.pid === null ? {type: 'spawned', pid} : {type: 'timer'};
		}

		case 'stopping': {
			return {type: 'exited', pid: state.pid, code: null, signal: 'SIGTERM'};
		}

		case 'backoff': {
			return {type: 'timer'};
		}

		default: {
			return null;
		}
	}
}

/** Requests `action` on a task in `kind`, then lets the world go on until the wait is over; the state it ended in. */
function run(action: WaitedAction, kind: StateKind): {kind: StateKind; steps: number} {
	let now = t0 + 60_000;
	const wantDown = kind === 'stopped' || kind === 'completed' || kind === 'failed' || kind === 'fatal';
	let record: TaskRecord = {...initialRecord(t0), state: samples[kind], want: wantDown ? 'down' : 'up'};
	let admitted = 0;
	const step = (event: TaskEvent): void => {
		const before = record.state.kind;
		record = transition(record, event, spec, now).record;
		if (record.state.kind === 'starting' && before !== 'starting') {
			admitted++;
		}
	};

	step({type: action});
	const at: Mark = {record, admitted};
	for (let steps = 0; steps < 20; steps++) {
		if (settled(action, at, {record, admitted})) {
			return {kind: record.state.kind, steps};
		}

		const fact = nextFact(record.state, 200 + steps);
		assert.ok(fact, `${action} from ${kind}: stuck in ${record.state.kind} and not settled`);
		now += 60_000;
		step(fact);
	}

	assert.fail(`${action} from ${kind}: never settled (${record.state.kind})`);
}

/** Each action from each state: where its wait ends, and whether it had to wait for a new attempt. */
const table: Record<WaitedAction, Record<StateKind, string>> = {
	start: {stopped: 'running after 3', queued: 'running after 3', starting: 'running after 1', running: 'running at once', backoff: 'running after 3', stopping: 'running after 4', paused: 'paused at once', completed: 'running after 3', failed: 'running after 3', fatal: 'running after 3'},
	stop: {stopped: 'stopped at once', queued: 'stopped at once', starting: 'stopped after 1', running: 'stopped after 1', backoff: 'stopped at once', stopping: 'stopped after 1', paused: 'stopped after 1', completed: 'completed at once', failed: 'failed at once', fatal: 'fatal at once'},
	restart: {stopped: 'running after 3', queued: 'running after 3', starting: 'running after 4', running: 'running after 4', backoff: 'running after 3', stopping: 'running after 4', paused: 'running after 4', completed: 'running after 3', failed: 'running after 3', fatal: 'running after 3'},
};

describe('settled: every (action, state) pair waits for what the machine does', () => {
	for (const [action, row] of Object.entries(table) as Array<[WaitedAction, Record<StateKind, string>]>) {
		for (const [kind, expected] of Object.entries(row) as Array<[StateKind, string]>) {
			it(`${action} from ${kind} → ${expected}`, () => {
				const {kind: end, steps} = run(action, kind);
				assert.equal(`${end} ${steps === 0 ? 'at once' : `after ${steps}`}`, expected);
			});
		}
	}

	it('a restart of a finished task waits for the new attempt, not for a restart count', () => {
		// The count of restarts does not move for a start from rest: the wait must not depend on it.
		const record: TaskRecord = {...initialRecord(t0), state: samples.completed};
		const requested = transition(record, {type: 'restart'}, spec, t0).record;
		assert.equal(requested.state.kind, 'queued');
		const at: Mark = {record: requested, admitted: 3};
		const running: TaskRecord = {...requested, state: samples.running};
		assert.equal(running.restarts, record.restarts);
		assert.equal(settled('restart', at, {record: running, admitted: 3}), false, 'the same attempt is not a restart');
		assert.equal(settled('restart', at, {record: running, admitted: 4}), true);
	});

	it('a stop is over when someone else wants the task up meanwhile', () => {
		const stopping: TaskRecord = {...initialRecord(t0), state: samples.stopping, want: 'down'};
		const at: Mark = {record: stopping, admitted: 1};
		assert.equal(settled('stop', at, at), false);
		assert.equal(settled('stop', at, {record: {...stopping, want: 'up'}, admitted: 1}), true);
	});

	it('a start or restart that someone stops meanwhile is over once the task is down', () => {
		const down: TaskRecord = {...initialRecord(t0), state: samples.stopping, want: 'down'};
		assert.equal(settled('start', {record: down, admitted: 1}, {record: down, admitted: 1}), false);
		const stopped: TaskRecord = {...down, state: samples.stopped};
		assert.equal(settled('start', {record: down, admitted: 1}, {record: stopped, admitted: 1}), true);
		assert.equal(settled('restart', {record: down, admitted: 1}, {record: stopped, admitted: 1}), true);
		assert.equal(pidOf(stopped.state), null);
	});

	it('calls it a success when the task is where the action sends it', () => {
		assert.deepEqual(
			(['running', 'paused', 'completed', 'failed', 'fatal', 'stopped'] as const).map(kind => `${kind}: ${succeeded('start', kind)}/${succeeded('stop', kind)}`),
			['running: true/true', 'paused: true/true', 'completed: true/true', 'failed: false/true', 'fatal: false/true', 'stopped: false/true'],
		);
	});
});

describe('outcomeOf: what became of a request, once settled', () => {
	const mark = (kind: StateKind, want: 'up' | 'down'): Mark => ({record: {...initialRecord(t0), state: samples[kind], want}, admitted: 1});
	const rows: Array<[WaitedAction, StateKind, 'up' | 'down', string]> = [
		['start', 'running', 'up', 'done'],
		['start', 'completed', 'up', 'done'],
		['start', 'fatal', 'up', 'failed'],
		['start', 'stopped', 'down', 'superseded'],
		['restart', 'running', 'up', 'done'],
		['restart', 'failed', 'up', 'failed'],
		['restart', 'stopped', 'down', 'superseded'],
		['stop', 'stopped', 'down', 'done'],
		['stop', 'fatal', 'down', 'done'],
		['stop', 'running', 'up', 'superseded'],
		['stop', 'queued', 'up', 'superseded'],
	];
	for (const [action, kind, want, expected] of rows) {
		it(`${action} settled in ${kind} (want ${want}) → ${expected}`, () => {
			const {outcome, error} = outcomeOf(action, mark(kind, want));
			assert.equal(outcome, expected);
			assert.equal(error === undefined, outcome === 'done');
			if (outcome === 'superseded') {
				assert.match(error ?? '', action === 'stop' ? /^superseded by a later start or restart: it is / : /^superseded by a later stop: it is /);
			}
		});
	}
});
