/**
 * One state of each kind, at `t0`, with pid 100 where there is one and every deadline a second
 * or ten after `t0`: the rows of the (state, event) and (action, state) tables.
 */
import type {StateKind, TaskState} from '../../src/core/model.js';

export const t0 = 1_000_000;

export const samples: Record<StateKind, TaskState> = {
	stopped: {kind: 'stopped', since: t0, reason: 'not started', lastExit: null},
	queued: {kind: 'queued', since: t0, reason: 'start requested', eligibleAt: null},
	starting: {kind: 'starting', since: t0, reason: 'starting', pid: 100, readyBy: t0 + 1000},
	running: {kind: 'running', since: t0, reason: 'started', pid: 100},
	backoff: {kind: 'backoff', since: t0, reason: 'exit 1', until: t0 + 1000, lastExit: {code: 1, signal: null, at: t0}},
	stopping: {kind: 'stopping', since: t0, reason: 'stopped by request', pid: 100, killAt: t0 + 10_000, then: 'stopped'},
	paused: {kind: 'paused', since: t0, reason: 'paused by request', pid: 100, runningSince: t0},
	completed: {kind: 'completed', since: t0, reason: 'exit 0', lastExit: {code: 0, signal: null, at: t0}},
	failed: {kind: 'failed', since: t0, reason: 'exit 1', lastExit: {code: 1, signal: null, at: t0}},
	fatal: {kind: 'fatal', since: t0, reason: 'exit 1', lastExit: {code: 1, signal: null, at: t0}},
};
