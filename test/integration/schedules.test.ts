/**
 * `schedule:` with a manual clock and real processes: a program runs at each cron time, and a
 * time that comes while the previous run is still going is skipped and recorded.
 */
import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {ManualClock} from '../../src/core/clock.js';
import {nextFire, Schedules} from '../../src/core/schedules.js';
import {harness, type Harness} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {waitFor} from '../helpers/wait.js';
import type {NewEvent} from '../../src/core/ports.js';

let h: Harness | undefined;
afterEach(async () => {
	await h?.cleanup();
	h = undefined;
});

describe('schedules', () => {
	it('nextFire follows the cron expression', () => {
		const at = Date.UTC(2026, 10, 23, 10, 7, 30);
		const next = nextFire('*/15 * * * *', at);
		assert.equal(new Date(next).getUTCMinutes() % 15, 0);
		assert.ok(next > at && next - at <= 15 * 60_000);
	});

	it('runs the program at each time and skips a time while the previous run is still going', async () => {
		const clock = new ManualClock(Date.UTC(2026, 10, 23, 10, 0, 30));
		const spec = makeSpec({id: 'tick', program: 'tick', name: 'tick', schedule: '* * * * *', starttimeMs: 0, autorestart: 'never', cmd: 'while [ ! -e stop ]; do sleep 0.02; done'});
		const recorded: NewEvent[] = [];
		h = harness([spec], {clock, persist: batch => recorded.push(...batch.events)});
		const schedules = new Schedules(h.engine, clock);
		schedules.refresh();
		h.engine.startAutostart();
		assert.equal(h.task('tick').record.state.kind, 'stopped', 'a scheduled program does not autostart');
		assert.equal(h.task('tick').nextRunAt, Date.UTC(2026, 10, 23, 10, 1, 0));
		clock.advance(30_000);
		await h.waitState('tick', 'running');
		assert.equal(h.events.find(e => e.to === 'queued')?.reason, 'schedule * * * * *');
		clock.advance(60_000);
		assert.equal(h.task('tick').record.state.kind, 'running', 'still the first run');
		assert.equal(h.task('tick').record.restarts, 0);
		assert.equal(h.task('tick').nextRunAt, Date.UTC(2026, 10, 23, 10, 3, 0), 'armed for the next time');
		await waitFor(() => recorded.find(e => e.type === 'schedule-skipped')?.data['reason'], r => r !== undefined, {what: 'the skip recorded'});
		assert.equal(recorded.find(e => e.type === 'schedule-skipped')?.data['reason'], 'schedule * * * * *: the previous run is still running; skipped');
		schedules.stop();
	});
});
