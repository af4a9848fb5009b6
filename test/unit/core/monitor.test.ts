import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import type {Engine} from '../../../src/core/engine.js';
import type {HostDoc} from '../../../src/core/ipc/methods.js';
import {newRun} from '../../../src/core/liveness.js';
import {maxIdleGapMs, Monitor, type Sampler} from '../../../src/core/monitor.js';
import type {TreeSample} from '../../../src/core/resources/sampler.js';

type FakeTask = {
	id: string;
	pid: number;
	run: ReturnType<typeof newRun>;
	record: {attempt: number; state: {kind: 'running'}};
	spec: {watchdogMs: null; heartbeatIntervalMs: null; maxRuntimeMs: null; maxMemory: number | null; stuck: {forMs: number; cpuBelowPercent: number} | null};
	memoryByKernel: boolean;
	samples: number;
	sampled(): void;
	dispatch(): void;
};

function task(pid: number, limits: {maxMemory?: number; stuck?: boolean; memoryByKernel?: boolean} = {}): FakeTask {
	return {
		id: `t${pid}`,
		pid,
		run: newRun(0),
		record: {attempt: 1, state: {kind: 'running'}},
		spec: {watchdogMs: null, heartbeatIntervalMs: null, maxRuntimeMs: null, maxMemory: limits.maxMemory ?? null, stuck: limits.stuck === true ? {forMs: 60_000, cpuBelowPercent: 1} : null},
		memoryByKernel: limits.memoryByKernel ?? false,
		samples: 0,
		sampled() {
			this.samples++;
		},
		dispatch() {},
	};
}

/** A monitor over fake tasks; what each sample asked for is recorded. */
function setup(tasks: FakeTask[], watched = () => false) {
	const clock = new ManualClock(0);
	const listeners = new Set<() => void>();
	const engine = {
		list: () => {
			throw new Error('the monitor walks the tasks holding slots, not every task');
		},
		queue: {holding: () => tasks},
		on(listener: () => void) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		config: {daemon: {taskTimeoutMs: 60_000}},
	} as unknown as Engine;
	const asked: number[][] = [];
	let hosts = 0;
	const sampler: Sampler = {
		async sample(roots) {
			asked.push([...roots].sort((a, b) => a - b));
			return new Map<number, TreeSample>(roots.map((root) => [root, {cpuPercent: 1, rss: 1, cpuSeconds: 1, processes: 1}]));
		},
		forget() {},
	};
	const monitor = new Monitor({
		engine,
		clock,
		sampler,
		intervalMs: 2000,
		watched,
		async sampleHost() {
			hosts++;
			return {} as HostDoc;
		},
	});
	monitor.start();
	return {monitor, clock, asked, hosts: () => hosts, event: () => listeners.forEach((listener) => listener())};
}

/** Ticks the monitor through `ms` of its clock, one interval at a time, letting each sample finish. */
async function run(clock: ManualClock, ms: number): Promise<void> {
	for (let left = ms; left > 0; left -= 2000) {
		clock.advance(2000);
		for (let i = 0; i < 5; i++) {
			await new Promise(setImmediate);
		}
	}
}

describe('Monitor sampling (issue 22: an idle daemon costs nothing)', () => {
	it('samples at every tick only the tasks whose limits need it; everyone at a gap that doubles up to 60 s', async () => {
		const plain = task(10);
		const limited = task(11, {maxMemory: 1000});
		const stuck = task(12, {stuck: true});
		const byKernel = task(13, {maxMemory: 1000, memoryByKernel: true});
		const {monitor, clock, asked, hosts} = setup([plain, limited, stuck, byKernel]);
		await run(clock, 200_000);
		monitor.stop();
		assert.equal(limited.samples, 100);
		assert.equal(stuck.samples, 100);
		const full = asked.filter((roots) => roots.includes(10));
		// Everything at 2, 4, 8, 16, 32 and 64 s (the gap doubles), then every 60 s: 124, 184 s.
		assert.equal(full.length, 8);
		assert.equal(plain.samples, 8);
		assert.equal(byKernel.samples, 8);
		assert.equal(hosts(), 8);
		assert.ok(asked.every((roots) => roots.includes(11) && roots.includes(12)));
		assert.equal(maxIdleGapMs, 60_000);
	});

	it('samples everyone and the host at every tick while a client watches, and again soon after any task event', async () => {
		let watching = false;
		const plain = task(20);
		const {monitor, clock, hosts, event} = setup([plain], () => watching);
		await run(clock, 40_000);
		const idle = plain.samples;
		assert.ok(idle <= 5, `sampled ${idle} times in 40 s idle`);
		watching = true;
		await run(clock, 10_000);
		assert.equal(plain.samples, idle + 5);
		watching = false;
		await run(clock, 10_000);
		const after = plain.samples;
		event();
		await run(clock, 2000);
		assert.equal(plain.samples, after + 1);
		assert.ok(hosts() >= plain.samples);
		monitor.stop();
	});
});
