import assert from 'node:assert/strict';
import {setImmediate as turn} from 'node:timers/promises';
import {describe, it} from 'node:test';
import {holdOpen, systemClock} from '../../../src/core/clock.js';

describe('systemClock', () => {
	it('waits for a time further away than setTimeout can (a job delayed 40 days) without firing early or warning', async () => {
		const warnings: string[] = [];
		const listener = (warning: Error): void => {
			warnings.push(warning.name);
		};

		process.on('warning', listener);
		let fired = false;
		const timer = systemClock.at(Date.now() + 40 * 86_400_000, () => {
			fired = true;
		});
		try {
			// An overflowing setTimeout warns on the next tick and fires after 1 ms (the clock's timers do not hold the process open).
			await turn();
			const release = holdOpen();
			await new Promise(resolve => systemClock.at(Date.now() + 5, () => resolve(undefined)));
			release();
			assert.deepEqual(warnings, []);
			assert.equal(fired, false);
		} finally {
			timer.cancel();
			process.off('warning', listener);
		}
	});
});
