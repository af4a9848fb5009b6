/**
 * The owner's side of what persons ask from any member (asks.ts), read from its renewal's
 * answer: a cancel or a fail stops the local copy (its end is written `cancelled` or `dead`), a
 * wanted pause freezes it and a wanted resume thaws it (as `tm pause` does a local job: the
 * cgroup freezer, else SIGSTOP), and a wanted log tail is shipped. A paused copy's lease is
 * renewed like any other: it is held, not lost.
 */
import type {Engine} from '../engine.js';
import {lineDoc} from '../documents.js';
import type {Claim} from './claims.js';
import {shipLines, type Shipped} from './job-logs.js';
import type {Asked} from './queries.js';

/**
 * The local copy's pause as the renewal reports it: whether it is frozen now, and `adopt`, the
 * wanted state to write when a person paused or resumed the copy here (`tm pause` of its local
 * id), so the cluster's request follows instead of undoing it; else null.
 */
export function pauseOf(engine: Engine, c: Claim): {paused: boolean; adopt: boolean | null} {
	const paused = engine.has(c.localId) && engine.get(c.localId).record.state.kind === 'paused';
	if (paused === (c.pauseAsked ?? false)) {
		return {paused, adopt: null};
	}

	c.pauseAsked = paused;
	return {paused, adopt: paused};
}

/** The local copy's last lines, to ship (none when it is gone). */
export function tailOf(engine: Engine, c: Claim): Shipped {
	const lines = engine.has(c.localId) ? engine.get(c.localId).log.tail(shipLines).map(line => lineDoc(line)) : [];
	return {id: c.id, token: c.token, lines};
}

/**
 * Acts on what was asked of one claim still held. Returns whether its paused state changed (the
 * member renews again at once to report it) and the tail to ship, if asked.
 */
export function actOn(engine: Engine, c: Claim, asked: Asked): {changed: boolean; tail: Shipped | null} {
	const task = engine.has(c.localId) ? engine.get(c.localId) : null;
	const tail = asked.logs_wanted ? tailOf(engine, c) : null;
	if (task === null) {
		return {changed: false, tail};
	}

	if (asked.fail_reason !== null && c.failAsked === undefined) {
		c.failAsked = asked.fail_reason;
		task.dispatch({type: 'fail', reason: asked.fail_reason});
		return {changed: false, tail};
	}

	if (asked.cancel_requested && !c.cancelAsked) {
		c.cancelAsked = true;
		task.dispatch({type: 'stop', reason: 'cancelled from the cluster', cause: 'cancelled'});
		return {changed: false, tail};
	}

	const kind = task.record.state.kind;
	if (asked.pause_requested !== (c.pauseAsked ?? false)) {
		if (asked.pause_requested && kind === 'running') {
			task.dispatch({type: 'pause'});
		} else if (!asked.pause_requested && kind === 'paused') {
			task.dispatch({type: 'resume'});
		}

		// Done (else asked again at the next renewal: a copy still starting is paused once it runs).
		if ((task.record.state.kind === 'paused') === asked.pause_requested) {
			c.pauseAsked = asked.pause_requested;
		}
	}

	return {changed: task.record.state.kind !== kind, tail};
}
