/**
 * The daemon out of file descriptors: spares held, handed back when a start finds none left (once
 * no start is in flight), taken back once there is room again; on a process whose descriptors a
 * fake opener counts.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import {Descriptors, spareCount, startFailure} from '../../../src/core/descriptors.js';
import {descriptorLimit, shortageOf, SpareDescriptors, type Opener} from '../../../src/core/process/fd-reserve.js';
import {tempDir} from '../../helpers/harness.js';

/** A process with `limit` descriptors, `used` of them taken by others. */
function fakeProcess(limit: number, used = 0): Opener & {used: number; open(): number} {
	const open = new Set<number>();
	let next = 1000;
	return {
		used,
		open() {
			if (this.used + open.size >= limit) {
				throw Object.assign(new Error('EMFILE: too many open files, open /dev/null'), {code: 'EMFILE'});
			}

			open.add(next);
			return next++;
		},
		close(fd) {
			open.delete(fd);
		},
	};
}

function reserve(limit: number, used: number, spares = 4) {
	const fds = fakeProcess(limit, used);
	const clock = new ManualClock();
	const said: string[] = [];
	let inFlight = false;
	let changes = 0;
	const descriptors = new Descriptors({
		clock,
		limit,
		spares: new SpareDescriptors(spares, fds),
		room: 2,
		onShort: (message, first) => said.push(`${first ? 'first' : 'again'}: ${message}`),
		onAvailable: message => said.push(message),
	});
	descriptors.watch({startsInFlight: () => inFlight, changed: () => changes++});
	descriptors.start();
	return {fds, clock, said, descriptors, setInFlight: (value: boolean) => (inFlight = value), changes: () => changes};
}

const emfile = 'cannot spawn sleep: pipe EMFILE: Too many open files';

describe('spare descriptors', () => {
	it('are taken all or none, with room beside them, and released', () => {
		const fds = fakeProcess(10, 4);
		const spares = new SpareDescriptors(4, fds);
		assert.equal(spares.take(3), false, '4 spares and 3 more do not fit in 6');
		assert.equal(spares.held, false);
		assert.equal(spares.take(2), true);
		assert.equal(spares.held, true);
		assert.equal(spares.probe(), null, 'two left');
		fds.used = 6;
		assert.equal(spares.probe(), 'EMFILE');
		spares.release();
		assert.equal(spares.probe(), null);
	});

	it('throw what opening /dev/null threw when it was not for want of descriptors', () => {
		const broken: Opener = {
			open: () => {
				throw Object.assign(new Error('ENOENT: no such file or directory'), {code: 'ENOENT'});
			},
			close: () => {},
		};
		assert.throws(() => new SpareDescriptors(2, broken).take(), /ENOENT/);
		assert.equal(new SpareDescriptors(2, broken).probe(), null);
	});

	it('the limit comes from /proc/self/limits; the shortage from an errno in a message or an error', () => {
		const dir = tempDir();
		const limits = path.join(dir, 'limits');
		writeFileSync(limits, 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            64                   4096                 files     \n');
		assert.equal(descriptorLimit(limits), 64);
		writeFileSync(limits, 'Max open files            unlimited            unlimited            files     \n');
		assert.equal(descriptorLimit(limits), null);
		assert.equal(descriptorLimit(path.join(dir, 'missing')), null);
		assert.equal(typeof descriptorLimit(), 'number');
		assert.equal(shortageOf(emfile), 'EMFILE');
		assert.equal(shortageOf('cannot open log file /x: ENFILE: file table overflow'), 'ENFILE');
		assert.equal(shortageOf(Object.assign(new Error('boom'), {code: 'EMFILE'})), 'EMFILE');
		assert.equal(shortageOf('command not found: EMFILEX'), null);
		assert.deepEqual([spareCount(64), spareCount(1024), spareCount(16), spareCount(null)], [8, 16, 4, 16]);
	});
});

describe('Descriptors', () => {
	it('a start that found none makes the daemon short: starts held, the reason names the limit, the spares freed', () => {
		const {fds, said, descriptors, changes} = reserve(20, 10);
		assert.equal(descriptors.held, null);
		assert.equal(descriptors.starved('command not found: nope'), null, 'any other failure is the task\'s');
		fds.used = 16;
		const reason = descriptors.starved(emfile);
		assert.equal(reason, 'waiting for file descriptors: limit 20 reached; raise LimitNOFILE / ulimit -n');
		assert.equal(descriptors.held, reason);
		assert.equal(changes(), 1);
		assert.equal(said.length, 1);
		assert.match(said[0]!, /^first: out of file descriptors: the limit of 20 open files is reached \(EMFILE\); raise LimitNOFILE= in the systemd unit, or ulimit -n before tm up/);
		assert.equal(fds.open() > 0, true, 'the spares were closed: a client can be accepted');
	});

	it('keeps the spares while a start is in flight (its pipes would take them), and frees them when it is over', () => {
		const {fds, descriptors, setInFlight} = reserve(20, 16);
		setInFlight(true);
		descriptors.starved(emfile);
		assert.throws(() => fds.open(), /EMFILE/);
		setInFlight(false);
		descriptors.startEnded();
		assert.doesNotThrow(() => fds.open());
	});

	it('a start that took the last descriptor makes it short too', () => {
		const {fds, descriptors, said} = reserve(20, 10);
		descriptors.startEnded();
		assert.equal(descriptors.held, null, 'one left');
		fds.used = 16;
		descriptors.startEnded();
		assert.match(descriptors.held ?? '', /limit 20 reached/);
		assert.equal(said.length, 1);
	});

	it('checks once a second: starts go on when the spares and room for a start fit again; the warning is not repeated', () => {
		const {fds, clock, said, descriptors, changes} = reserve(20, 10);
		fds.used = 16;
		descriptors.starved(emfile);
		clock.advance(1000);
		assert.notEqual(descriptors.held, null, '4 free: not room for 4 spares and 2 more');
		fds.used = 14;
		clock.advance(1000);
		assert.equal(descriptors.held, null);
		assert.equal(changes(), 2);
		assert.equal(said.at(-1), 'file descriptors are free again: task starts go on');
		const two = [fds.open(), fds.open()];
		assert.throws(() => fds.open(), /EMFILE/, 'the spares are held again');
		two.forEach(fd => fds.close(fd));
		fds.used = 16;
		clock.advance(1000);
		assert.notEqual(descriptors.held, null, 'the once-a-second probe found none left');
		assert.match(said.at(-1) ?? '', /^again: /);
	});

	it('says which table is full when the whole system is out (ENFILE)', () => {
		const {descriptors} = reserve(20, 0);
		assert.equal(descriptors.starved('cannot open log file /x: ENFILE: file table overflow'), "waiting for file descriptors: the system's file table is full (fs.file-max)");
	});

	it('stopped, it holds nothing and waits for nothing', () => {
		const {fds, descriptors} = reserve(6, 0);
		descriptors.stop();
		assert.equal(descriptors.starved(emfile), null);
		for (let i = 0; i < 6; i++) {
			fds.open();
		}
	});
});

describe('startFailure', () => {
	it('a start that found no descriptor waits with the reason, its log files closed; anything else is a failed start', () => {
		let closed = 0;
		const log = {close: () => closed++};
		assert.deepEqual(startFailure(emfile, () => 'waiting for file descriptors: limit 64 reached', log), {type: 'spawn-failed', message: 'waiting for file descriptors: limit 64 reached', wait: true});
		assert.equal(closed, 1);
		assert.deepEqual(startFailure(new Error('cannot open log file /x: EACCES: permission denied'), () => null, log), {type: 'spawn-failed', message: 'cannot open log file /x: EACCES: permission denied'});
		assert.deepEqual(startFailure(emfile, undefined, log), {type: 'spawn-failed', message: emfile});
		assert.equal(closed, 1);
	});
});
