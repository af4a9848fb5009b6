import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {noClaims} from '../../../src/core/capacity.js';
import {Holders} from '../../../src/core/holders.js';
import type {StateKind} from '../../../src/core/model.js';

type Fake = {id: string; record: {state: {kind: StateKind}}; spec: {requires: {memory: number; cpu: number}}};
const task = (id: string, kind: StateKind, memory = 0, cpu = 0): Fake => ({id, record: {state: {kind}}, spec: {requires: {memory, cpu}}});

describe('the tasks holding slots', () => {
	it('takes a task in while its state holds a slot, and out when it leaves one', () => {
		const holders = new Holders<Fake>();
		const a = task('a', 'starting', 100, 0.5);
		holders.track(a);
		holders.track(task('q', 'queued', 1000, 8));
		assert.deepEqual([...holders.values()].map(t => t.id), ['a']);
		a.record.state.kind = 'stopped';
		holders.track(a);
		assert.deepEqual([...holders.values()], []);
		assert.deepEqual(holders.claimed(), noClaims);
	});

	it('counts the claims again only after the holders changed', () => {
		const holders = new Holders<Fake>();
		const a = task('a', 'running', 100, 0.1);
		holders.track(a);
		holders.track(task('b', 'running', 50, 0.2));
		const first = holders.claimed();
		assert.deepEqual(first, {slots: 2, memory: 150, cpu: 0.3});
		// A move between two slot-holding states changes nothing they claim: the same count is kept.
		a.record.state.kind = 'stopping';
		holders.track(a);
		assert.equal(holders.claimed(), first);
		holders.drop('b');
		assert.deepEqual(holders.claimed(), {slots: 1, memory: 100, cpu: 0.1});
		holders.drop('missing');
		holders.track(task('c', 'paused', 1, 1));
		assert.deepEqual(holders.claimed(), {slots: 2, memory: 101, cpu: 1.1});
	});

	it('a task replaced under the same id is counted with its own requests', () => {
		const holders = new Holders<Fake>();
		holders.track(task('a', 'running', 100, 1));
		assert.deepEqual(holders.claimed(), {slots: 1, memory: 100, cpu: 1});
		holders.track(task('a', 'running', 300, 2));
		assert.deepEqual(holders.claimed(), {slots: 1, memory: 300, cpu: 2});
	});
});
