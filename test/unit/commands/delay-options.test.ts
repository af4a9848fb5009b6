/**
 * `--delay` and `--at` as the CLI reads them (`tm run`, `tm retry`), the daemon's own check of
 * what it is sent (core/delays.ts), and how a delayed job's wait is shown.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {delayParams, parseAt, parseDelay} from '../../../src/commands/delay-options.js';
import {runParams} from '../../../src/commands/run.js';
import {tasksRow} from '../../../src/commands/tasks.js';
import {eligibleAt} from '../../../src/core/delays.js';
import {delayedUntil} from '../../../src/core/durations.js';
import {TmError} from '../../../src/core/errors.js';
import {taskStatus} from '../../helpers/task-status.js';

function usageError(work: () => unknown, pattern: RegExp): void {
	assert.throws(work, (error: unknown) => {
		assert.ok(error instanceof TmError);
		assert.equal(error.code, 'E_USAGE');
		assert.match(error.message, pattern);
		return true;
	});
}

// Local times are read in a zone with daylight saving, whatever the machine's.
const zone = process.env['TZ'];
before(() => {
	process.env['TZ'] = 'Europe/Paris';
});
after(() => {
	if (zone === undefined) {
		delete process.env['TZ'];
	} else {
		process.env['TZ'] = zone;
	}
});

const now = Date.UTC(2026, 11, 5, 1, 0); // 02:00 in Paris

describe('--delay', () => {
	it('takes a duration as the config writes one; a bare number is seconds', () => {
		assert.equal(parseDelay('30s'), 30_000);
		assert.equal(parseDelay('5m'), 300_000);
		assert.equal(parseDelay('1h30m'), 5_400_000);
		assert.equal(parseDelay('1.5'), 1500);
		assert.equal(parseDelay('0'), 0);
	});

	it('refuses anything else, naming the flag and the format', () => {
		usageError(() => parseDelay('soon'), /^--delay: expected a duration like 30s, 5m or 500ms, got "soon" \(e\.g\. --delay 30s/);
		usageError(() => parseDelay('-5s'), /^--delay: /);
	});
});

describe('--at', () => {
	it('reads a date and time without an offset as local time', () => {
		assert.equal(parseAt('2026-12-05T03:00', now), '2026-12-05T02:00:00.000Z');
		assert.equal(parseAt('2026-12-05 03:00:30', now), '2026-12-05T02:00:30.000Z');
		assert.equal(parseAt('2026-12-05T03:00:30.5', now), '2026-12-05T02:00:30.500Z');
		assert.equal(parseAt('2027-07-01T03:00', now), '2027-07-01T01:00:00.000Z', 'summer time');
	});

	it('takes Z or an offset as written', () => {
		assert.equal(parseAt('2026-12-05T03:00Z', now), '2026-12-05T03:00:00.000Z');
		assert.equal(parseAt('2026-12-05T03:00+01:00', now), '2026-12-05T02:00:00.000Z');
		assert.equal(parseAt('2026-12-05T03:00-0530', now), '2026-12-05T08:30:00.000Z');
	});

	it('refuses a malformed time, naming the flag and the format', () => {
		for (const text of ['tomorrow', '03:00', '2026-12-05', '2026-12-5T03:00', '12/05/2026 03:00']) {
			usageError(() => parseAt(text, now), /^--at: expected a date and time as YYYY-MM-DDTHH:MM\[:SS\], local time, or with Z or an offset such as \+01:00 \(e\.g\. --at 2026-12-05T03:00\), got "/);
		}

		usageError(() => parseAt('2026-02-30T03:00', now), /^--at: "2026-02-30T03:00" is not a date and time \(expected YYYY-MM-DDTHH:MM/);
		usageError(() => parseAt('2026-12-05T24:00', now), /is not a date and time/);
		usageError(() => parseAt('2026-12-05T03:00+25:00', now), /^--at: \+25:00 is not a time zone offset/);
	});

	it('refuses a time in the past, saying what time it is', () => {
		usageError(() => parseAt('2026-12-05T01:59', now), /^--at: 2026-12-05T01:59 is in the past \(it is now 2026-12-05T01:00:00\.000Z\); give a later time, or leave --at out to start now$/);
		usageError(() => parseAt('2026-12-05T02:00', now), /is in the past/);
	});

	it('refuses a local time a daylight-saving change skips', () => {
		usageError(() => parseAt('2027-03-28T02:30', now), /^--at: 2027-03-28T02:30 does not exist in local time \(a daylight-saving change skips it\); give another time, or an offset such as \+01:00$/);
	});
});

describe('the request', () => {
	it('sends delayMs or an absolute at, never both', () => {
		assert.deepEqual(delayParams({}, now), {});
		assert.deepEqual(delayParams({delay: '30s'}, now), {delayMs: 30_000});
		assert.deepEqual(delayParams({at: '2026-12-05T03:00'}, now), {at: '2026-12-05T02:00:00.000Z'});
		usageError(() => delayParams({delay: '30s', at: '2026-12-05T03:00'}, now), /^--delay and --at say the same thing two ways: give one$/);
	});

	it('tm run: a delay is part of the run document; --no-queue cannot wait', () => {
		assert.deepEqual(runParams(['true'], {delay: '5m'}, '/w', now), {argv: ['true'], delayMs: 300_000, cwd: '/w'});
		assert.deepEqual(runParams(['true'], {at: '2026-12-05T03:00Z'}, '/w', now), {argv: ['true'], at: '2026-12-05T03:00:00.000Z', cwd: '/w'});
		usageError(() => runParams(['true'], {delay: '5m', queue: false}, '/w', now), /^--no-queue starts the job now or not at all: it cannot wait for --delay or --at$/);
	});

	it('the daemon counts a delay from its own clock; a time already passed is no delay', () => {
		assert.equal(eligibleAt({delayMs: 30_000}, now, 'run'), now + 30_000);
		assert.equal(eligibleAt({delayMs: 0}, now, 'run'), undefined);
		assert.equal(eligibleAt({at: '2026-12-05T03:00:00.000Z'}, now, 'run'), Date.UTC(2026, 11, 5, 3, 0));
		assert.equal(eligibleAt({at: '2026-12-05T00:00:00Z'}, now, 'retry'), undefined);
		assert.equal(eligibleAt({}, now, 'run'), undefined);
	});

	it('the daemon refuses what it cannot read, naming the field', () => {
		usageError(() => eligibleAt({delayMs: -1}, now, 'run'), /^run: delayMs must be a number of milliseconds ≥ 0, got -1$/);
		usageError(() => eligibleAt({delayMs: 'soon'}, now, 'run'), /^run: delayMs must be/);
		usageError(() => eligibleAt({at: '2026-12-05T03:00'}, now, 'retry'), /^retry: at must be an ISO-8601 time with its offset/);
		usageError(() => eligibleAt({at: 42}, now, 'run'), /^run: at must be/);
		usageError(() => eligibleAt({delayMs: 1, at: '2026-12-05T03:00Z'}, now, 'run'), /^run: give delayMs \(--delay\) or at \(--at\), not both$/);
	});
});

describe('a delayed job on screen', () => {
	it('says until when, in local time, and how long is left; the date when it is not today', () => {
		assert.equal(delayedUntil(Date.UTC(2026, 11, 5, 2, 0), now), 'delayed until 03:00:00 (in 1h00m)');
		assert.equal(delayedUntil(Date.UTC(2026, 11, 6, 1, 0), now), 'delayed until 2026-12-06 02:00:00 (in 1d00h)');
		const delayed = taskStatus('j-1', {kind: 'job', state: 'queued', pid: null, reason: 'submitted; delayed until 2026-12-05T01:12:00.000Z', eligibleAt: '2026-12-05T01:12:00.000Z'});
		assert.equal(tasksRow(delayed, now)[8], 'delayed until 02:12:00 (in 12m00s)');
	});
});
