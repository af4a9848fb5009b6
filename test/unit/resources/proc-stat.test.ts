import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {describe, it} from 'node:test';
import {parseAuxv, readKernelConstants} from '../../../src/core/resources/proc-scan.js';
import {parseStat} from '../../../src/core/resources/proc-stat.js';
import {statLine} from '../../helpers/fake-proc.js';

describe('parseStat', () => {
	it('reads a real line from Linux 6.x', () => {
		const line =
			'5586 (cat) R 5584 5584 27379 0 -1 4194304 99 0 0 0 7 3 2 1 20 0 1 0 328343 3133440 392 18446744073709551615 94737107845120 94737107865001 140728678537760 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94737107881008 94737107882624 94737177747456 140728678546146 140728678546166 140728678546166 140728678547435 0\n';
		assert.deepEqual(parseStat(line), {
			pid: 5586,
			comm: 'cat',
			state: 'R',
			ppid: 5584,
			pgrp: 5584,
			ticks: 7 + 3 + 2 + 1,
			ownTicks: 10,
			starttime: 328343,
			rssPages: 392,
		});
	});

	it('finds the fields after the LAST parenthesis: a command name with spaces and parentheses', () => {
		for (const comm of ['my worker', 'a) S 9 9 9 (b', ') R 1 2 3', '((', 'x)', ' ', '', ')))', 'tab\there', 'new\nline']) {
			const stat = parseStat(statLine({pid: 42, comm, state: 'T', ppid: 7, pgrp: 40, utime: 11, stime: 22, cutime: 3, cstime: 4, starttime: 555, rss: 66}));
			assert.ok(stat, `parsed with comm ${JSON.stringify(comm)}`);
			assert.deepEqual(
				{comm: stat.comm, state: stat.state, ppid: stat.ppid, pgrp: stat.pgrp, ticks: stat.ticks, ownTicks: stat.ownTicks, start: stat.starttime, rss: stat.rssPages},
				{comm, state: 'T', ppid: 7, pgrp: 40, ticks: 40, ownTicks: 33, start: 555, rss: 66},
			);
		}
	});

	it('reads a kernel thread (no memory, parent 0) and a zombie', () => {
		const kthread = parseStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0');
		assert.equal(kthread?.ppid, 0);
		assert.equal(kthread?.rssPages, 0);
		assert.equal(parseStat(statLine({pid: 9, state: 'Z', rss: 0}))?.state, 'Z');
	});

	it('rejects what is not a stat line instead of guessing', () => {
		const good = statLine({pid: 42, utime: 5, rss: 10});
		for (const bad of ['', '\n', 'garbage', '42 (sleep', '(sleep) S 1 1', good.slice(0, good.indexOf(' 3133440')), '-3 (x) S 1 1', 'abc (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1']) {
			assert.equal(parseStat(bad), null, JSON.stringify(bad));
		}
	});

	it('never counts negative rss or child ticks', () => {
		const stat = parseStat(statLine({pid: 3, utime: 1, stime: 1, cutime: -5, cstime: -5, rss: -1}));
		assert.equal(stat?.ticks, 2);
		assert.equal(stat?.rssPages, 0);
	});
});

describe('parseAuxv', () => {
	function auxv(pairs: Array<[number, number]>, word: 4 | 8, endian: 'LE' | 'BE'): Buffer {
		const buffer = Buffer.alloc((pairs.length + 1) * 2 * word); // ends with AT_NULL
		pairs.forEach(([key, value], i) => {
			for (const [offset, n] of [[i * 2 * word, key], [(i * 2 + 1) * word, value]] as const) {
				if (word === 8) {
					if (endian === 'LE') buffer.writeBigUInt64LE(BigInt(n), offset);
					else buffer.writeBigUInt64BE(BigInt(n), offset);
				} else if (endian === 'LE') buffer.writeUInt32LE(n, offset);
				else buffer.writeUInt32BE(n, offset);
			}
		});
		return buffer;
	}

	it('takes AT_CLKTCK (17) and AT_PAGESZ (6) in any word size and byte order', () => {
		for (const word of [4, 8] as const) {
			for (const endian of ['LE', 'BE'] as const) {
				assert.deepEqual(parseAuxv(auxv([[33, 1], [6, 16384], [17, 250], [25, 99]], word, endian), word, endian), {clockTicks: 250, pageSize: 16384});
			}
		}
	});

	it('falls back to 100 Hz and 4 KiB for missing or implausible values', () => {
		assert.deepEqual(parseAuxv(Buffer.alloc(0), 8, 'LE'), {clockTicks: 100, pageSize: 4096});
		assert.deepEqual(parseAuxv(auxv([[6, 1000], [17, 0]], 8, 'LE'), 8, 'LE'), {clockTicks: 100, pageSize: 4096});
		// entries after AT_NULL are not read
		const stopped = Buffer.concat([auxv([], 8, 'LE'), auxv([[17, 300]], 8, 'LE')]);
		assert.deepEqual(parseAuxv(stopped, 8, 'LE'), {clockTicks: 100, pageSize: 4096});
	});

	it('reads the same values from this machine\'s auxiliary vector as getconf prints', async () => {
		const constants = await readKernelConstants('/proc');
		assert.equal(constants.clockTicks, Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'})));
		assert.equal(constants.pageSize, Number(execFileSync('getconf', ['PAGESIZE'], {encoding: 'utf8'})));
	});
});
