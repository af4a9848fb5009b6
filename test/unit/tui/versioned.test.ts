/**
 * Stores that notify React at most once per gap, and stores painted together: whichever notifies
 * takes the other's waiting change along, so a task list and a streaming log share frames.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/tui/clock.js';
import {Versioned} from '../../../src/tui/versioned.js';

function watched(store: Versioned, name: string, log: string[]): void {
	store.subscribe(() => log.push(name));
}

describe('Versioned', () => {
	it('notifies a burst of changes once per gap', () => {
		const clock = new ManualClock();
		const store = new Versioned(200, clock);
		const log: string[] = [];
		watched(store, 'a', log);
		store.changed();
		clock.advance(0);
		assert.deepEqual(log, ['a'], 'the first change goes out at once');
		store.changed();
		store.changed();
		clock.advance(199);
		assert.deepEqual(log, ['a']);
		clock.advance(1);
		assert.deepEqual(log, ['a', 'a']);
	});

	it('painted together, a flush takes the partner\'s waiting change along, and only a waiting one', () => {
		const clock = new ManualClock();
		const data = new Versioned(200, clock);
		const logs = new Versioned(200, clock);
		Versioned.paintTogether(data, logs);
		const log: string[] = [];
		const t0 = clock.now();
		data.subscribe(() => log.push(`${clock.now() - t0} data`));
		logs.subscribe(() => log.push(`${clock.now() - t0} logs`));
		logs.changed();
		clock.advance(0);
		assert.deepEqual(log, ['0 logs'], 'data had nothing waiting: not notified');
		clock.advance(50);
		logs.changed();
		data.changed();
		clock.advance(150);
		assert.deepEqual(log, ['0 logs', '50 data', '50 logs'], 'one frame: the log\'s waiting lines went with the data');
		// From then on they keep one pace: changes of both, at different times, again share a frame.
		clock.advance(20);
		data.changed();
		clock.advance(30);
		logs.changed();
		clock.advance(300);
		assert.deepEqual(log.slice(3), ['250 data', '250 logs']);
	});
});
