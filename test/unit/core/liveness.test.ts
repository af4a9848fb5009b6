import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {livenessFault as faultOf, newRun, watchdogOf, withCpuSample} from '../../../src/core/liveness.js';

/** The reason of the failed check, or null; each reason's cause is checked with it. */
function livenessFault(...args: Parameters<typeof faultOf>): string | null {
	const fault = faultOf(...args);
	if (fault !== null) {
		assert.ok(fault.reason.startsWith(fault.cause), `${fault.cause}: ${fault.reason}`);
	}

	return fault?.reason ?? null;
}
import {makeSpec} from '../../helpers/spec.js';

const t0 = 1_000_000;

describe('livenessFault', () => {
	it('watchdog: fires once no heartbeat came for the period; a heartbeat restarts it', () => {
		const spec = makeSpec({watchdogMs: 5000});
		const run = newRun(t0);
		assert.equal(livenessFault(spec, 'running', run, 30_000, t0 + 4999), null);
		assert.equal(livenessFault(spec, 'running', run, 30_000, t0 + 5000), 'watchdog: no heartbeat for 5s');
		const beat = {...run, heartbeatAt: t0 + 4000};
		assert.equal(livenessFault(spec, 'running', beat, 30_000, t0 + 8999), null);
	});

	it('the daemon task_timeout is the watchdog of a task that sends heartbeats without its own', () => {
		const spec = makeSpec({watchdogMs: null});
		assert.equal(livenessFault(spec, 'running', newRun(t0), 30_000, t0 + 60_000), null, 'no heartbeat ever: no watchdog');
		const beat = {...newRun(t0), heartbeatAt: t0 + 1000};
		assert.equal(livenessFault(spec, 'running', beat, 30_000, t0 + 31_000), 'watchdog: no heartbeat for 30s');
	});

	it('a task with heartbeat_interval is expected to beat: task_timeout runs from its start, before any heartbeat', () => {
		const spec = makeSpec({watchdogMs: null, heartbeatIntervalMs: 10_000});
		assert.equal(livenessFault(spec, 'running', newRun(t0), 30_000, t0 + 29_999), null);
		assert.equal(livenessFault(spec, 'running', newRun(t0), 30_000, t0 + 30_000), 'watchdog: no heartbeat for 30s');
		assert.equal(livenessFault(makeSpec({watchdogMs: 5000, heartbeatIntervalMs: 1000}), 'running', newRun(t0), 30_000, t0 + 5000), 'watchdog: no heartbeat for 5s', 'its own watchdog wins');
		assert.equal(watchdogOf(spec, null, 30_000), 30_000, 'shown before it runs');
		assert.equal(watchdogOf(makeSpec({watchdogMs: null}), null, 30_000), null);
	});

	it('paused time counts against neither the watchdog nor max_runtime', () => {
		const spec = makeSpec({watchdogMs: 5000, maxRuntimeMs: 10_000});
		const resumed = {...newRun(t0), pausedMs: 60_000, resumedAt: t0 + 61_000};
		assert.equal(livenessFault(spec, 'paused', resumed, 30_000, t0 + 61_000), null);
		assert.equal(livenessFault(spec, 'running', resumed, 30_000, t0 + 65_000), null);
		assert.equal(livenessFault(spec, 'running', resumed, 30_000, t0 + 66_000), 'watchdog: no heartbeat for 5s');
		const beating = {...resumed, heartbeatAt: t0 + 69_000};
		assert.equal(livenessFault(spec, 'running', beating, 30_000, t0 + 70_000), 'max_runtime 10s');
	});

	it('max_memory: over the limit by the last sample', () => {
		const spec = makeSpec({maxMemory: 512 * 1024 * 1024});
		const run = withCpuSample(spec, newRun(t0), {cpu: 100, rss: 600 * 1024 * 1024, cpuSeconds: 3}, t0 + 2000);
		assert.equal(livenessFault(spec, 'running', run, 30_000, t0 + 2000), 'max_memory: 600M over 512M');
	});

	it('stuck: low CPU, no output and no heartbeat for the period; any of them resets it', () => {
		const spec = makeSpec({stuck: {cpuBelowPercent: 1, forMs: 10_000}});
		let run = withCpuSample(spec, newRun(t0), {cpu: 0, rss: 1, cpuSeconds: 0}, t0 + 1000);
		assert.equal(run.lowCpuSince, null, 'the first sample has no CPU delta yet');
		run = withCpuSample(spec, run, {cpu: 0, rss: 1, cpuSeconds: 0}, t0 + 2000);
		assert.equal(run.lowCpuSince, t0 + 2000);
		assert.equal(livenessFault(spec, 'running', run, 30_000, t0 + 11_999), null);
		assert.match(livenessFault(spec, 'running', run, 30_000, t0 + 12_000) ?? '', /^stuck: /);
		assert.equal(livenessFault(spec, 'running', {...run, outputAt: t0 + 5000}, 30_000, t0 + 12_000), null);
		run = withCpuSample(spec, run, {cpu: 50, rss: 1, cpuSeconds: 1}, t0 + 4000);
		assert.equal(run.lowCpuSince, null, 'a busy sample resets it');
	});

	it('only starting and running tasks are checked', () => {
		const spec = makeSpec({watchdogMs: 1});
		assert.equal(livenessFault(spec, 'stopping', newRun(t0), 30_000, t0 + 10), null);
		assert.equal(livenessFault(spec, 'paused', newRun(t0), 30_000, t0 + 10), null);
	});
});
