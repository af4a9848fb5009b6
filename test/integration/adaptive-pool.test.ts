/**
 * The adaptive pool in a daemon started in process, on a manual clock, with the host samples
 * given by the test and real jobs (`sleep`): it grows while jobs wait on an idle host, holds
 * within its cool-down, shrinks when the host is saturated and when nothing waits; every change
 * is a line of the daemon log with its reason, and `daemon.slots` says where it is.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {ManualClock} from '../../src/core/clock.js';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon, type Daemon} from '../../src/core/daemon/index.js';
import type {HostDoc} from '../../src/core/ipc/methods.js';
import {jobSpec} from '../../src/core/jobs.js';
import {tempDir} from '../helpers/harness.js';
import {daemonLog} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const pids = new Set<number>();
after(() => {
	for (const pid of pids) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
});

const gib = 1024 ** 3;

describe('the adaptive pool (max_running: {min, max})', () => {
	it('grows while jobs wait on an idle host, holds within its cool-down, shrinks under a CPU burner and when nothing waits', async () => {
		const dir = tempDir('tm-pool-');
		const config = loadConfigText(
			'taskmaster:\n  logfile: ./tmd.log\n  http: off\n  sample_interval: 2s\n  max_running: {min: 2, max: 8, cpu_target: 80%, cooldown: 30s}\nprograms: {}\n',
			path.join(dir, 'tm.yaml'),
		);
		assert.ok(config.ok);
		const clock = new ManualClock();
		// The host as the test says it is: 16 GiB, 6 free; CPU busy as set below.
		let cpuBusy: number | null = 10;
		let samples = 0;
		const sampleHost = async (): Promise<HostDoc> => {
			samples++;
			return {hostname: 'test', load: [0, 0, 0], cpus: 2, memoryTotal: 16 * gib, memoryFree: 6 * gib, diskFree: null, cpuBusy};
		};

		const daemon: Daemon = await startDaemon({config: config.value, home: path.join(dir, 'home'), cwd: dir, env: {PATH: process.env['PATH']}, socketPath: null, clock, sampleHost});
		await daemon.recovered;
		const {engine, slots} = daemon;
		const jobs = Array.from({length: 12}, (_, i) => engine.submit(jobSpec({argv: ['sleep', '1000']}, `j-${i}`, config.value.daemon)).id);
		// Started: a process (on a manual clock, `starting` lasts until the clock passes starttime).
		const running = () => engine.list().filter(task => ['starting', 'running'].includes(task.record.state.kind) && task.pid !== null);
		const runningCount = async (count: number, what: string) => {
			const now = await waitFor(running, list => list.length === count, {what, timeout: 20_000});
			now.forEach(task => pids.add(task.pid!));
		};

		/** One host sample: the clock moves one interval (or more) and the monitor's tick is over. */
		const sample = async (ms = 2000) => {
			const before = samples;
			clock.advance(ms);
			await waitFor(() => samples, count => count > before, {what: 'a host sample'});
			// The pool's decision follows the sample in the same tick.
			await new Promise(resolve => setImmediate(resolve));
		};

		assert.equal(slots.current, 2, 'a pool starts at min');
		await runningCount(2, 'two jobs running on two slots');
		await sample();
		assert.equal(slots.current, 4, '10 waiting, idle host: doubles');
		await runningCount(4, 'four running');
		await sample();
		assert.equal(slots.current, 8, 'doubles again, up to max');
		await runningCount(8, 'eight running');
		await sample();
		assert.equal(slots.current, 8, 'at max');

		// A CPU burner saturates the host: nothing within the cool-down, then one slot fewer than held.
		cpuBusy = 97;
		await sample();
		assert.equal(slots.current, 8, 'within the cool-down: holds');
		await sample(30_000);
		assert.equal(slots.current, 7);
		assert.equal(running().length, 8, 'nothing running is stopped');
		assert.equal(daemon.slots.doc(8).reason, 'host CPU 97% busy, over the target 80%');
		// A job ends: its slot is not given to a waiting one.
		engine.get(jobs[0]!).dispatch({type: 'stop', reason: 'test'});
		await runningCount(7, 'seven running');
		await sample(30_000);
		assert.equal(slots.current, 6, 'still saturated after another cool-down');
		await runningCount(7, 'still seven: the pool only stops starts');

		// The burner is gone: a cool-down after the last step down, the four waiting get slots again.
		cpuBusy = 10;
		await sample(30_000);
		assert.equal(slots.current, 8, 'idle host, four waiting: up by two, to max');
		await runningCount(8, 'eight running again');

		// Nothing waits any more, and fewer run: after a whole cool-down without waiting, down to what is held.
		for (const id of [...jobs.slice(9), ...jobs.slice(1, 4)]) {
			engine.get(id).dispatch({type: 'stop', reason: 'test'});
		}

		await runningCount(5, 'five running');
		// A stopping job still holds its slot until its exit is seen: the count below is of what holds one.
		await waitFor(() => engine.list().filter(task => task.record.state.kind === 'stopping').map(task => task.spec.id), names => names.length === 0, {what: 'no job still stopping', timeout: 20_000});
		await sample();
		assert.equal(slots.current, 8, 'something waited a sample ago: holds');
		await sample(30_000);
		assert.equal(slots.current, 5);

		const lines = daemonLog(path.join(dir, 'tmd.log'))
			.map(line => line.message ?? '')
			.filter(message => message.startsWith('slots '));
		assert.deepEqual(lines, [
			'slots 2 -> 4: 10 waiting for a slot; host CPU 10%, memory 63% within the targets',
			'slots 4 -> 8: 8 waiting for a slot; host CPU 10%, memory 63% within the targets',
			'slots 8 -> 7: host CPU 97% busy, over the target 80%',
			'slots 7 -> 6: host CPU 97% busy, over the target 80%',
			'slots 6 -> 8: 4 waiting for a slot; host CPU 10%, memory 63% within the targets',
			'slots 8 -> 5: nothing waited for a slot for 30s; 5 holding one',
		]);
		await daemon.shutdown();
	});
});
