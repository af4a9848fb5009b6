import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, it} from 'node:test';
import {CpuBusy, parseCpuLine} from '../../../src/core/resources/cpu-busy.js';

describe('CpuBusy: the host CPU busy between two samples, from /proc/stat', () => {
	it('reads the all-CPU line: busy is everything but idle and iowait', () => {
		const text = 'cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\nintr 12345\n';
		assert.deepEqual(parseCpuLine(text), {busy: 160, total: 1000});
		assert.equal(parseCpuLine('intr 1\n'), null);
	});

	it('the share busy since the last sample; nothing on the first, nor without the file', async () => {
		const proc = mkdtempSync(path.join(tmpdir(), 'tm-proc-'));
		const stat = path.join(proc, 'stat');
		writeFileSync(stat, 'cpu  100 0 100 800 0 0 0 0 0 0\n');
		const cpu = new CpuBusy(proc);
		assert.equal(await cpu.sample(), null);
		// 300 more busy jiffies out of 400: 75%.
		writeFileSync(stat, 'cpu  300 0 200 900 0 0 0 0 0 0\n');
		assert.equal(await cpu.sample(), 75);
		assert.equal(await new CpuBusy(path.join(proc, 'none')).sample(), null);
	});

	it('reads this machine', async () => {
		const cpu = new CpuBusy();
		await cpu.sample();
		// Some jiffies must pass between the two reads.
		const until = Date.now() + 50;
		while (Date.now() < until) {
			// spin
		}

		const busy = await cpu.sample();
		assert.ok(busy !== null && busy >= 0 && busy <= 100, String(busy));
	});
});
