import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import type {AdaptiveSlots} from '../../../src/core/model.js';
import {Slots, type SlotChange} from '../../../src/core/slots.js';

const pool: AdaptiveSlots = {min: 2, max: 16, cpuTargetPercent: 85, memoryTargetPercent: 90, cooldownMs: 30_000};
const idle = {cpuPercent: 10, memoryPercent: 30};

function slots(configured: number | null | AdaptiveSlots): {slots: Slots; clock: ManualClock; changes: SlotChange[]} {
	const clock = new ManualClock();
	const made = new Slots(configured, clock);
	const changes: SlotChange[] = [];
	made.watch(change => changes.push(change));
	return {slots: made, clock, changes};
}

describe('Slots: max_running, tm scale --slots over it, or an adaptive pool', () => {
	it('a fixed max_running until tm scale --slots, which holds until the config changes it', () => {
		const {slots: s, changes} = slots(8);
		assert.equal(s.current, 8);
		assert.deepEqual(s.doc(3), {max: 8, holding: 3, mode: 'config', configured: 8, reason: null, changedAt: null});
		s.scale(4);
		assert.equal(s.current, 4);
		assert.deepEqual(s.override, {count: 4, configured: 8});
		assert.equal(s.doc(0).mode, 'scaled');
		// A reload that leaves max_running alone keeps it; one that changes it wins.
		assert.equal(s.configure(8), null);
		assert.equal(s.current, 4);
		assert.match(s.configure(10) ?? '', /^tm scale --slots 4 no longer applies: max_running in the config changed from 8 to 10; the config wins$/);
		assert.equal(s.current, 10);
		assert.equal(s.override, null);
		assert.deepEqual(changes.map(c => `${c.from}->${c.to} ${c.cause}`), ['8->4 requested', '4->10 config']);
	});

	it('scaling to the config\'s own value drops the override; no limit can be scaled too', () => {
		const {slots: s} = slots(null);
		s.scale(3);
		assert.deepEqual(s.override, {count: 3, configured: null});
		const back = slots(8).slots;
		back.scale(2);
		back.scale(8);
		assert.equal(back.override, null);
	});

	it('restores what tm.db kept only while the config still says what it overrode', () => {
		const kept = slots(8).slots;
		assert.equal(kept.restore({count: 3, configured: 8}), null);
		assert.equal(kept.current, 3);
		const stale = slots(6).slots;
		assert.match(stale.restore({count: 3, configured: 8}) ?? '', /changed from 8 to 6/);
		assert.equal(stale.current, 6);
	});

	it('an adaptive pool starts at min, refuses tm scale --slots, and moves on host samples', () => {
		const {slots: s, clock, changes} = slots(pool);
		assert.equal(s.current, 2);
		assert.throws(() => s.scale(5), /max_running is an adaptive pool \(2 to 16 slots, 2 now\): tm moves it itself; change min and max in the config and tm reload/);
		s.sampled({waiting: 0, holding: 0, cpuPercent: null, memoryPercent: null});
		assert.equal(s.current, 2, 'not measured yet');
		s.sampled({waiting: 40, holding: 2, ...idle});
		assert.equal(s.current, 4);
		clock.advance(2000);
		s.sampled({waiting: 38, holding: 4, ...idle});
		assert.equal(s.current, 8);
		clock.advance(2000);
		s.sampled({waiting: 34, holding: 8, cpuPercent: 99, memoryPercent: 30});
		assert.equal(s.current, 8, 'saturated within the cool-down: holds');
		clock.advance(30_000);
		s.sampled({waiting: 34, holding: 8, cpuPercent: 99, memoryPercent: 30});
		assert.equal(s.current, 7);
		assert.deepEqual(changes.map(c => `${c.from}->${c.to} ${c.cause}`), ['2->4 capacity', '4->8 capacity', '8->7 capacity']);
		assert.match(s.doc(8).reason ?? '', /host CPU 99% busy/);
		assert.equal(s.doc(8).mode, 'adaptive');
		assert.deepEqual(s.doc(8).configured, {min: 2, max: 16});
	});

	it('a reload keeps the pool\'s count inside its new bounds; a new pool starts at min', () => {
		const {slots: s} = slots(pool);
		s.sampled({waiting: 40, holding: 2, ...idle});
		assert.equal(s.current, 4);
		s.configure({...pool, max: 3});
		assert.equal(s.current, 3);
		s.configure(8);
		assert.equal(s.current, 8);
		s.configure({...pool, min: 5});
		assert.equal(s.current, 5);
	});
});
