/**
 * The Supervisor's state is its own: nothing outside supervisor.ts can write a field of it. Its
 * fields are private (#), and what it shows is read through getters with no setter; changes
 * come in only as events and named intents (sampled, scheduled, request, receive).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../src/core/clock.js';
import {Supervisor} from '../../../src/core/supervisor.js';
import {makeSpec} from '../../helpers/spec.js';

function supervisor(): Supervisor {
	return new Supervisor(makeSpec(), {
		clock: new ManualClock(),
		random: () => 0.5,
		baseEnv: {},
		defaultCwd: '/',
		stdoutPath: '/nonexistent/out.log',
		stderrPath: '/nonexistent/err.log',
		socketPath: null,
		onChange: () => {},
		onEnqueue: () => {},
	});
}

describe('Supervisor state', () => {
	it('has no public field: an instance owns no property anyone could assign', () => {
		const task = supervisor();
		assert.deepEqual(Object.getOwnPropertyNames(task), []);
		task.dispose();
	});

	it('shows its state through getters only, none with a setter', () => {
		const accessors = Object.entries(Object.getOwnPropertyDescriptors(Supervisor.prototype)).filter(([, d]) => d.get !== undefined || d.set !== undefined);
		assert.ok(accessors.length >= 8, accessors.map(([name]) => name).join(', '));
		assert.deepEqual(accessors.filter(([, d]) => d.set !== undefined).map(([name]) => name), []);
		const task = supervisor();
		assert.throws(() => {
			(task as unknown as {record: unknown}).record = null;
		}, TypeError);
		task.dispose();
	});

	it('changes through intents: a schedule time, a sample with no run changes nothing', () => {
		const task = supervisor();
		task.scheduled(1234);
		assert.equal(task.nextRunAt, 1234);
		task.sampled({cpu: 50, rss: 1, cpuSeconds: 1});
		assert.equal(task.run, null, 'no process: no run to sample');
		task.dispose();
	});
});
