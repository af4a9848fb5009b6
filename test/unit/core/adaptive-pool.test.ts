import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {nextSlots, type PoolInput} from '../../../src/core/adaptive-pool.js';
import type {AdaptiveSlots} from '../../../src/core/model.js';

const pool: AdaptiveSlots = {min: 2, max: 16, cpuTargetPercent: 85, memoryTargetPercent: 90, cooldownMs: 30_000};
const now = 1_000_000;
const base: PoolInput = {slots: 4, pool, waiting: 0, holding: 4, cpuPercent: 20, memoryPercent: 40, last: null, lastWaited: null, now};
const ago = (ms: number, up: boolean) => ({at: now - ms, up});

/** Each row: what differs from `base`, then the slots after (null: unchanged) and a word of the reason. */
const table: Array<{name: string; input: Partial<PoolInput>; slots: number | null; why?: RegExp}> = [
	{name: 'tasks wait, idle host: doubles', input: {waiting: 10}, slots: 8, why: /10 waiting for a slot; host CPU 20%, memory 40% within the targets/},
	{name: 'grows no more than tasks wait', input: {waiting: 1}, slots: 5},
	{name: 'grows no further than max', input: {slots: 12, holding: 12, waiting: 50}, slots: 16},
	{name: 'at max: stays', input: {slots: 16, holding: 16, waiting: 50}, slots: null},
	{name: 'right after a step up it may step up again', input: {waiting: 10, last: ago(2000, true)}, slots: 8},
	{name: 'right after a step down it waits the cool-down to step up', input: {waiting: 10, last: ago(2000, false)}, slots: null},
	{name: 'a cool-down after a step down, it steps up', input: {waiting: 10, last: ago(30_000, false)}, slots: 8},
	{name: 'slots not all taken: the waiting wait for something else', input: {waiting: 10, holding: 3}, slots: null},
	{name: 'host never measured: no headroom known, nothing added', input: {waiting: 10, cpuPercent: null}, slots: null},
	{name: 'CPU over target, tasks waiting: one slot less than are held', input: {waiting: 10, cpuPercent: 97}, slots: 3, why: /host CPU 97% busy, over the target 85%/},
	{name: 'memory over target: one less', input: {memoryPercent: 95}, slots: 3, why: /host memory 95% used, over the target 90%/},
	{name: 'saturated, few held: below what is held', input: {slots: 10, holding: 4, cpuPercent: 99}, slots: 3},
	{name: 'saturated within the cool-down: holds', input: {cpuPercent: 99, last: ago(5000, true)}, slots: null},
	{name: 'saturated at min: stays', input: {slots: 2, holding: 2, cpuPercent: 99}, slots: null},
	{name: 'saturated: never grows', input: {slots: 2, holding: 2, waiting: 5, cpuPercent: 99}, slots: null},
	{name: 'nothing waited for a cool-down: down to what is held', input: {slots: 8, holding: 3, lastWaited: now - 30_000}, slots: 3, why: /nothing waited for a slot for 30s; 3 holding one/},
	{name: 'nothing waits, but something did within the cool-down: holds', input: {slots: 8, holding: 3, lastWaited: now - 10_000}, slots: null},
	{name: 'nothing waits, last change within the cool-down: holds', input: {slots: 8, holding: 3, last: ago(10_000, true)}, slots: null},
	{name: 'idle: never below min', input: {slots: 8, holding: 0}, slots: 2},
	{name: 'idle and all held: stays', input: {slots: 4, holding: 4}, slots: null},
	{name: 'below min (a reload raised it): up to min at once', input: {slots: 1, last: ago(1000, false)}, slots: 2, why: /the pool is 2 to 16 slots/},
	{name: 'above max (a reload lowered it): down to max at once', input: {slots: 20, holding: 20, waiting: 9, last: ago(1000, true)}, slots: 16},
];

describe('nextSlots: the adaptive pool steps up while tasks wait on an idle host, down when saturated or idle', () => {
	for (const row of table) {
		it(row.name, () => {
			const step = nextSlots({...base, ...row.input});
			assert.equal(step?.slots ?? null, row.slots);
			if (row.why) {
				assert.match(step?.reason ?? '', row.why);
			}
		});
	}

	it('from min to max while 1,000 tasks wait on an idle host: 2, 4, 8, 16', () => {
		const seen: number[] = [2];
		let slots = 2;
		for (let sample = 0; sample < 5; sample++) {
			slots = nextSlots({...base, slots, holding: slots, waiting: 1000, last: ago(2000, true)})?.slots ?? slots;
			seen.push(slots);
		}

		assert.deepEqual(seen, [2, 4, 8, 16, 16, 16]);
	});
});
