import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {ResourceSampler} from '../../../src/core/resources/sampler.js';
import {FakeProc} from '../../helpers/fake-proc.js';

let dir = '';
let proc: FakeProc;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-res-unit-'));
	proc = new FakeProc(join(dir, 'proc'));
	// the daemon, and init; not part of any task
	proc.write({pid: 1, ppid: 0, pgrp: 1, utime: 5000, rss: 3000}, {pid: 100, ppid: 1, pgrp: 100, utime: 800, rss: 20000});
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

const constants = {clockTicks: 100, pageSize: 4096};

describe('ResourceSampler on a fake /proc', () => {
	it('sums a tree: rss in bytes, CPU seconds, processes; 0% on the first sample', async () => {
		proc.write(
			{pid: 200, ppid: 100, utime: 100, stime: 50, rss: 1000},
			{pid: 201, ppid: 200, pgrp: 200, utime: 30, stime: 20, cutime: 10, cstime: 0, rss: 500},
			{pid: 202, ppid: 1, pgrp: 200, utime: 40, rss: 250},
		);
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		const samples = await sampler.sample([200], 10_000);
		assert.deepEqual(samples.get(200), {cpuPercent: 0, rss: 1750 * 4096, cpuSeconds: 2.5, processes: 3});
		assert.equal(samples.size, 1);
	});

	it('computes CPU% from the tree\'s ticks over the time between two samples of the root', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100, utime: 100}, {pid: 201, ppid: 200, pgrp: 200, utime: 0});
		await sampler.sample([200], 10_000);
		// 2 s later: 150 + 250 more ticks = 4 CPU seconds in 2 s = 200% (two cores busy)
		proc.write({pid: 200, ppid: 100, utime: 250}, {pid: 201, ppid: 200, pgrp: 200, utime: 250});
		const second = await sampler.sample([200], 12_000);
		assert.equal(second.get(200)?.cpuPercent, 200);
		// nothing moves: 0%
		const third = await sampler.sample([200], 14_000);
		assert.equal(third.get(200)?.cpuPercent, 0);
	});

	it('keeps counting the CPU of a child that exited and was reaped inside the tree (cutime)', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100, utime: 10}, {pid: 201, ppid: 200, pgrp: 200, utime: 100});
		await sampler.sample([200], 0);
		// 201 used 50 more ticks, exited, and 200 reaped it: its 150 ticks are now 200's cutime;
		// a short-lived 202 came and went within the interval too (30 ticks)
		proc.remove(201);
		proc.write({pid: 200, ppid: 100, utime: 10, cutime: 180});
		const after = await sampler.sample([200], 1000);
		assert.equal(after.get(200)?.cpuPercent, 80);
		assert.equal(after.get(200)?.cpuSeconds, 1.9);
		assert.equal(after.get(200)?.processes, 1);
	});

	it('never reports negative CPU when a member leaves the tree with its ticks', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100, utime: 10}, {pid: 201, ppid: 200, pgrp: 200, utime: 1000});
		await sampler.sample([200], 0);
		proc.remove(201); // reaped by someone outside the tree
		const after = await sampler.sample([200], 1000);
		assert.equal(after.get(200)?.cpuPercent, 0);
	});

	it('leaves out roots that are gone or zombies, and forgets their history', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100}, {pid: 300, ppid: 100}, {pid: 400, ppid: 100});
		await sampler.sample([200, 300, 400], 0);
		assert.equal(sampler.tracked, 3);
		proc.remove(300);
		proc.write({pid: 400, ppid: 100, state: 'Z', rss: 0});
		const samples = await sampler.sample([200, 300, 400, 500], 1000);
		assert.deepEqual([...samples.keys()], [200]);
		assert.equal(sampler.tracked, 1);
	});

	it('starts over at 0% when the root pid now belongs to another process (pid reuse)', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100, utime: 500, starttime: 1000});
		await sampler.sample([200], 0);
		proc.write({pid: 200, ppid: 100, utime: 10, starttime: 9000});
		assert.equal((await sampler.sample([200], 1000)).get(200)?.cpuPercent, 0);
		proc.write({pid: 200, ppid: 100, utime: 60, starttime: 9000});
		assert.equal((await sampler.sample([200], 2000)).get(200)?.cpuPercent, 50);
	});

	it('forget() makes the next sample a first one; the same `now` twice gives 0%', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100, utime: 0});
		await sampler.sample([200], 0);
		proc.write({pid: 200, ppid: 100, utime: 100});
		sampler.forget(200);
		assert.equal(sampler.tracked, 0);
		assert.equal((await sampler.sample([200], 1000)).get(200)?.cpuPercent, 0);
		proc.write({pid: 200, ppid: 100, utime: 200});
		assert.equal((await sampler.sample([200], 1000)).get(200)?.cpuPercent, 0);
		assert.equal((await sampler.sample([200], 2000)).get(200)?.cpuPercent, 100);
	});

	it('a root forgotten while a sample is under way is not brought back by it', async () => {
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		proc.write({pid: 200, ppid: 100});
		const pending = sampler.sample([200], 0);
		sampler.forget(200);
		await pending;
		assert.equal(sampler.tracked, 0);
	});

	it('skips unreadable and malformed stat files, and entries that are not processes', async () => {
		proc.write({pid: 200, ppid: 100, rss: 10}, {pid: 201, ppid: 200, pgrp: 200, rss: 5});
		proc.writeRaw(202, '202 (half');
		proc.writeRaw(203, '');
		proc.writeRaw(Number('204'), 'garbage\n');
		new FakeProc(join(proc.root, '205')); // a pid folder without a stat file: exited mid-scan
		new FakeProc(join(proc.root, 'self'));
		new FakeProc(join(proc.root, 'sys'));
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		const samples = await sampler.sample([200, 202, 205], 0);
		assert.deepEqual([...samples.keys()], [200]);
		assert.equal(samples.get(200)?.rss, 15 * 4096);
	});

	it('answers each root once when asked twice, and trees may overlap', async () => {
		proc.write({pid: 200, ppid: 100, rss: 1}, {pid: 201, ppid: 200, pgrp: 201, rss: 2}, {pid: 202, ppid: 201, pgrp: 201, rss: 4});
		const sampler = new ResourceSampler({procRoot: proc.root, constants});
		const samples = await sampler.sample([200, 201, 200], 0);
		assert.equal(samples.get(200)?.rss, 7 * 4096);
		assert.equal(samples.get(201)?.rss, 6 * 4096);
	});

	it('reads many processes with a small bound on concurrent reads', async () => {
		for (let pid = 1000; pid < 1600; pid++) {
			proc.write({pid, ppid: pid === 1000 ? 100 : pid - 1, pgrp: 1000, utime: 1, rss: 1});
		}

		const sampler = new ResourceSampler({procRoot: proc.root, constants, concurrency: 3});
		const tree = (await sampler.sample([1000], 0)).get(1000);
		assert.deepEqual(tree, {cpuPercent: 0, rss: 600 * 4096, cpuSeconds: 6, processes: 600});
	});

	it('rejects when the proc folder itself cannot be listed', async () => {
		const sampler = new ResourceSampler({procRoot: join(dir, 'nowhere'), constants});
		await assert.rejects(sampler.sample([1], 0));
	});

	it('uses 100 Hz and 4 KiB pages when the fake /proc has no auxv', async () => {
		proc.write({pid: 200, ppid: 100, utime: 100, rss: 2});
		const samples = await new ResourceSampler({procRoot: proc.root}).sample([200], 0);
		assert.deepEqual(samples.get(200), {cpuPercent: 0, rss: 8192, cpuSeconds: 1, processes: 1});
	});
});
