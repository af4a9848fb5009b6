import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {suggest} from '../../../src/core/config/suggest.js';
import {parseDuration, parsePercent, parseSignal, parseSize, parseUmask} from '../../../src/core/config/units.js';

describe('parseDuration', () => {
	const good: Array<[unknown, number]> = [
		['500ms', 500],
		['30s', 30_000],
		['5m', 300_000],
		['2h', 7_200_000],
		['7d', 604_800_000],
		['1h30m', 5_400_000],
		['1.5s', 1500],
		['10', 10_000],
		[10, 10_000],
		[0, 0],
		[0.25, 250],
		[' 30 s ', 30_000],
	];
	for (const [input, ms] of good) {
		test(`${JSON.stringify(input)} → ${ms} ms`, () => {
			assert.deepEqual(parseDuration(input), {ok: true, value: ms});
		});
	}

	for (const input of ['ten', '', '5x', '-1s', -1, true, null, [1], '1h30']) {
		test(`${JSON.stringify(input)} is refused`, () => {
			const result = parseDuration(input);
			assert.equal(result.ok, false);
		});
	}

	test('the message names the expected form and the value', () => {
		assert.deepEqual(parseDuration('ten'), {ok: false, error: 'expected a duration like 30s, 5m or 500ms, got "ten"'});
	});
});

describe('parseSize', () => {
	const good: Array<[unknown, number]> = [
		['512M', 512 * 1024 ** 2],
		['10M', 10 * 1024 ** 2],
		['1G', 1024 ** 3],
		['100K', 100 * 1024],
		['10MB', 10 * 1024 ** 2],
		['10MiB', 10 * 1024 ** 2],
		['10mb', 10 * 1024 ** 2],
		['1.5K', 1536],
		['2048', 2048],
		['64B', 64],
		[4096, 4096],
		[0, 0],
	];
	for (const [input, bytes] of good) {
		test(`${JSON.stringify(input)} → ${bytes} bytes`, () => {
			assert.deepEqual(parseSize(input), {ok: true, value: bytes});
		});
	}

	for (const input of ['big', '10X', '-1M', 1.5, -1, false]) {
		test(`${JSON.stringify(input)} is refused`, () => {
			assert.equal(parseSize(input).ok, false);
		});
	}
});

describe('parseSignal', () => {
	const good: Array<[unknown, string]> = [
		['TERM', 'SIGTERM'],
		['SIGTERM', 'SIGTERM'],
		['term', 'SIGTERM'],
		['sigkill', 'SIGKILL'],
		[' HUP ', 'SIGHUP'],
		[15, 'SIGTERM'],
		['9', 'SIGKILL'],
		['USR1', 'SIGUSR1'],
	];
	for (const [input, name] of good) {
		test(`${JSON.stringify(input)} → ${name}`, () => {
			assert.deepEqual(parseSignal(input), {ok: true, value: name});
		});
	}

	test('an unknown name is refused with a did-you-mean', () => {
		assert.deepEqual(parseSignal('TREM'), {
			ok: false,
			error: 'expected a signal name like TERM, HUP or SIGKILL, got "TREM"; did you mean "TERM"?',
		});
	});

	for (const input of ['NOPE', 999, '', true, null]) {
		test(`${JSON.stringify(input)} is refused`, () => {
			assert.equal(parseSignal(input).ok, false);
		});
	}
});

describe('parseUmask', () => {
	const good: Array<[unknown, number]> = [
		['022', 0o22],
		['22', 0o22],
		[22, 0o22],
		['0o22', 0o22],
		['077', 0o77],
		[77, 0o77],
		['0', 0],
		['777', 0o777],
		['0777', 0o777],
	];
	for (const [input, mask] of good) {
		test(`${JSON.stringify(input)} → 0o${mask.toString(8)}`, () => {
			assert.deepEqual(parseUmask(input), {ok: true, value: mask});
		});
	}

	for (const input of ['089', 89, '1777', 1000, '0x12', 'abc', -1, 2.5, true]) {
		test(`${JSON.stringify(input)} is refused`, () => {
			assert.equal(parseUmask(input).ok, false);
		});
	}
});

describe('parsePercent', () => {
	const good: Array<[unknown, number]> = [
		['1%', 1],
		['0.5%', 0.5],
		[1, 1],
		['250%', 250],
		['3', 3],
	];
	for (const [input, percent] of good) {
		test(`${JSON.stringify(input)} → ${percent}`, () => {
			assert.deepEqual(parsePercent(input), {ok: true, value: percent});
		});
	}

	for (const input of ['a lot', '-1%', -1, null]) {
		test(`${JSON.stringify(input)} is refused`, () => {
			assert.equal(parsePercent(input).ok, false);
		});
	}
});

describe('suggest', () => {
	const keys = ['cmd', 'numprocs', 'stoptime', 'starttime', 'stopsignal', 'autorestart'];
	test('a close word gets the candidate', () => {
		assert.equal(suggest('stoptme', keys), 'stoptime');
		assert.equal(suggest('stpotime', keys), 'stoptime');
		assert.equal(suggest('numproc', keys), 'numprocs');
		assert.equal(suggest('AutoRestart', keys), 'autorestart');
	});

	test('a far word gets nothing', () => {
		assert.equal(suggest('colour', keys), null);
		assert.equal(suggest('x', keys), null);
	});
});
