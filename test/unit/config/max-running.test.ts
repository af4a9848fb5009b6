import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {MaxRunning} from '../../../src/core/model.js';

function maxRunning(value: string): MaxRunning {
	const result = loadConfigText(`taskmaster:\n  max_running: ${value}\n`, 'tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error));
	return result.value.daemon.maxRunning;
}

function problems(value: string): string[] {
	const result = loadConfigText(`taskmaster:\n  max_running: ${value}\n`, 'tm.yaml');
	assert.equal(result.ok, false, 'refused');
	return result.ok ? [] : result.error.map(issue => `${issue.path}: ${issue.message}`);
}

describe('max_running: a number, nothing, or an adaptive pool', () => {
	test('a number of slots, or none (no limit)', () => {
		assert.equal(maxRunning('8'), 8);
		assert.equal(maxRunning('~'), null);
	});

	test('a pool: min and max, with CPU 85%, memory 90% and a 30 s cool-down unless written', () => {
		assert.deepEqual(maxRunning('{min: 2, max: 16}'), {min: 2, max: 16, cpuTargetPercent: 85, memoryTargetPercent: 90, cooldownMs: 30_000});
		assert.deepEqual(maxRunning('{min: 1, max: 4, cpu_target: 70%, memory_target: 80, cooldown: 1m}'), {min: 1, max: 4, cpuTargetPercent: 70, memoryTargetPercent: 80, cooldownMs: 60_000});
		assert.deepEqual(maxRunning('{min: 3, max: 3}'), {min: 3, max: 3, cpuTargetPercent: 85, memoryTargetPercent: 90, cooldownMs: 30_000});
	});

	test('each mistake named, with the fix', () => {
		assert.deepEqual(problems('{max: 16}'), ['taskmaster.max_running.min: missing: the fewest slots the pool may have, e.g. max_running: {min: 2, max: 16}']);
		assert.deepEqual(problems('{min: 8, max: 4}'), ['taskmaster.max_running.max: must be at least min (8), e.g. max_running: {min: 2, max: 16}']);
		assert.deepEqual(problems('{min: 0, max: 4, cpu_target: 120%}'), [
			'taskmaster.max_running.min: expected an integer of at least 1, got 0',
			'taskmaster.max_running.cpu_target: expected a percentage from 1% to 100%, got "120%"',
		]);
		assert.deepEqual(problems('{min: 1, max: 4, cpu: 50%}'), ['taskmaster.max_running.cpu: unknown key; expected one of min, max, cpu_target, memory_target, cooldown']);
		assert.deepEqual(problems('lots'), ['taskmaster.max_running: expected a number of slots of at least 1, or an adaptive pool (e.g. max_running: {min: 2, max: 16}), got "lots"']);
	});
});
