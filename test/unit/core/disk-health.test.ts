import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import {DiskHealth, type DiskChange} from '../../../src/core/disk-health.js';
import {diskDoc} from '../../../src/core/documents.js';
import {TmError} from '../../../src/core/errors.js';
import {boundKept, maxKeptEvents, maxKeptRuns} from '../../../src/core/kept-batch.js';
import type {Batch} from '../../../src/core/ports.js';

const enospc = (file: string): TmError =>
	new TmError('E_STORE', `cannot write log file ${file}: ENOSPC: no space left on device`, {cause: Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC', errno: -28})});
const sqliteFull = new TmError('E_STORE', 'cannot write /h/tm.db: database or disk is full', {cause: Object.assign(new Error('database or disk is full'), {code: 'SQLITE_FULL'})});

describe('DiskHealth', () => {
	it('says when the first file fails and when the last one works again; the document lists every file meanwhile', () => {
		const clock = new ManualClock(10_000);
		const disk = new DiskHealth(clock);
		const changes: DiskChange[] = [];
		disk.on(change => changes.push(change));
		assert.deepEqual(diskDoc(disk.problems, 0), {ok: true, reason: null, since: null, files: [], unsaved: 0});
		disk.failed('/h/logs/a.out', enospc('/h/logs/a.out'));
		clock.advance(1000);
		disk.failed('/h/logs/a.out', enospc('/h/logs/a.out'));
		disk.failed('/h/tm.db', sqliteFull);
		assert.deepEqual(changes, [{ok: false, full: true, reason: 'disk full: cannot write /h/logs/a.out: ENOSPC: no space left on device', at: 10_000}]);
		assert.deepEqual(diskDoc(disk.problems, 3), {
			ok: false,
			reason: 'disk full: cannot write /h/logs/a.out: ENOSPC: no space left on device (and 1 more file)',
			since: new Date(10_000).toISOString(),
			files: ['/h/logs/a.out', '/h/tm.db'],
			unsaved: 3,
		});
		disk.wrote('/h/logs/a.out');
		assert.equal(changes.length, 1);
		assert.equal(diskDoc(disk.problems, 3).reason, 'disk full: cannot write /h/tm.db: SQLITE_FULL: database or disk is full');
		clock.advance(4000);
		disk.wrote('/h/tm.db');
		disk.wrote('/h/tm.db');
		assert.deepEqual(changes.slice(1), [{ok: true, full: false, reason: 'writes work again (/h/tm.db, after 4s)', at: 15_000}]);
	});

	it('an error that is not a full disk is a disk error; a closed file is no longer a problem', () => {
		const disk = new DiskHealth(new ManualClock(0));
		const changes: DiskChange[] = [];
		disk.on(change => changes.push(change));
		disk.failed('/h/x.log', new TmError('E_STORE', 'cannot write log file /h/x.log: EIO', {cause: Object.assign(new Error('i/o error'), {code: 'EIO', errno: -5})}));
		assert.equal(changes[0]?.reason, 'disk error: cannot write /h/x.log: EIO: i/o error');
		disk.closed('/h/x.log');
		assert.equal(changes[1]?.ok, true);
		assert.deepEqual(disk.problems, []);
	});
});

describe('DiskHealth retries', () => {
	it('asks each failing writer to try again every second until it works or closes, then stops', () => {
		const clock = new ManualClock(0);
		const disk = new DiskHealth(clock);
		const tries: string[] = [];
		let room = false;
		disk.failed('/h/tmd.out', enospc('/h/tmd.out'), now => {
			tries.push(`tmd.out ${now}`);
			if (room) {
				disk.wrote('/h/tmd.out');
			}
		});
		disk.failed('/h/logs/a.out', enospc('/h/logs/a.out'), now => tries.push(`a.out ${now}`));
		clock.advance(1000);
		assert.deepEqual(tries, ['tmd.out 1000', 'a.out 1000']);
		room = true;
		disk.closed('/h/logs/a.out');
		clock.advance(1000);
		clock.advance(5000);
		assert.deepEqual(tries, ['tmd.out 1000', 'a.out 1000', 'tmd.out 2000']);
		assert.deepEqual(disk.problems, []);
	});
});

describe('what the write journal keeps while tm.db cannot be written', () => {
	const runStart = (pid: number) => ({taskId: 't', attempt: pid, pid, pidStart: null, bootId: 'b', startedAt: pid});
	const runEnd = (pid: number) => ({taskId: 't', pid, endedAt: pid + 1, exitCode: 1, exitSignal: null, reason: 'exit 1'});
	const event = (n: number) => ({taskId: 't', at: n, type: 'state', data: {n}});

	it('keeps the newest events, and drops the oldest finished runs but never an open one', () => {
		const finished = maxKeptRuns;
		const batch: Batch = {
			tasks: [],
			runStarts: [...Array.from({length: finished}, (_, i) => runStart(i + 1)), runStart(1_000_000)],
			runEnds: Array.from({length: finished}, (_, i) => runEnd(i + 1)),
			events: Array.from({length: maxKeptEvents + 5}, (_, i) => event(i)),
		};
		const {batch: kept, dropped} = boundKept(batch);
		assert.equal(kept.events.length, maxKeptEvents);
		assert.deepEqual(kept.events[0], event(5));
		assert.ok(kept.runStarts.length + kept.runEnds.length <= maxKeptRuns + 1);
		assert.ok(kept.runStarts.some(start => start.pid === 1_000_000), 'the open run is kept');
		assert.ok(!kept.runStarts.some(start => start.pid === 1), 'the oldest finished run is dropped');
		for (const start of kept.runStarts.filter(start => start.pid !== 1_000_000)) {
			assert.ok(kept.runEnds.some(end => end.pid === start.pid), `run ${start.pid} keeps its end`);
		}

		assert.equal(dropped, 5 + (batch.runStarts.length + batch.runEnds.length - kept.runStarts.length - kept.runEnds.length));
		assert.deepEqual(boundKept({tasks: [], runStarts: [runStart(1)], runEnds: [], events: [event(1)]}).dropped, 0);
	});
});
