/**
 * Requests and capacity in the config: `requires:` on programs, `taskmaster.capacity` (amounts,
 * percents of the host, the host by default), and a program too big for the capacity refused.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {HostSize} from '../../../src/core/config/capacity.js';
import {formatIssue} from '../../../src/core/config/issue.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {Config} from '../../../src/core/model.js';

const G = 1024 ** 3;
const host: HostSize = {memory: 16 * G, cpus: 8};

function load(text: string): Config {
	const result = loadConfigText(text, 'tm.yaml', host);
	assert.ok(result.ok, result.ok ? '' : result.error.map(formatIssue).join('\n'));
	return result.value;
}

function issuesOf(text: string): string[] {
	const result = loadConfigText(text, 'tm.yaml', host);
	return result.ok ? [] : result.error.map(formatIssue);
}

describe('requires and capacity', () => {
	test('a program asks for memory and CPUs; none by default', () => {
		const config = load('programs:\n  big: {cmd: "true", requires: {memory: 2G, cpu: 1.5}}\n  small: {cmd: "true"}\n');
		assert.deepEqual(config.programs[0]?.requires, {memory: 2 * G, cpu: 1.5});
		assert.deepEqual(config.programs[1]?.requires, {memory: 0, cpu: 0});
	});

	test('the capacity is the host by default, a percent of it, or an amount', () => {
		assert.deepEqual(load('programs: {}\n').daemon.capacity, {memory: 16 * G, cpu: 8});
		assert.deepEqual(load('taskmaster:\n  capacity: {memory: 80%, cpu: 4}\nprograms: {}\n').daemon.capacity, {memory: Math.floor(0.8 * 16 * G), cpu: 4});
		assert.deepEqual(load('taskmaster:\n  capacity: {memory: 1.5G, cpu: 50%}\nprograms: {}\n').daemon.capacity, {memory: 1.5 * G, cpu: 4});
		assert.deepEqual(load('taskmaster:\n  capacity: {cpu: 2.5}\nprograms: {}\n').daemon.capacity, {memory: 16 * G, cpu: 2.5});
	});

	test('bad values name the key and what it takes', () => {
		assert.deepEqual(issuesOf('programs:\n  a: {cmd: "true", requires: {memory: lots, cpus: 2}}\n'), [
			'tm.yaml:2:39 programs.a.requires.memory: expected a size like 512M, 10MB or 1G, got "lots"',
			'tm.yaml:2:45 programs.a.requires.cpus: unknown key; did you mean "cpu"?',
		]);
		assert.deepEqual(issuesOf('programs:\n  a: {cmd: "true", requires: {cpu: -1}}\n'), [
			'tm.yaml:2:36 programs.a.requires.cpu: expected a number of CPUs like 1.5 or 0.25, got -1',
		]);
		assert.deepEqual(issuesOf('taskmaster:\n  capacity: {memory: 120%, cpu: 0}\nprograms: {}\n'), [
			"tm.yaml:2:22 taskmaster.capacity.memory: expected a percent of this host above 0% and at most 100%, like 80%, got \"120%\"",
			"tm.yaml:2:33 taskmaster.capacity.cpu: expected a number of CPUs like 4 or a percent of this host's like 50%, got 0",
		]);
	});

	test('a program asking for more than the whole capacity is refused: it could never start', () => {
		const text = 'taskmaster:\n  capacity: {memory: 1.5G, cpu: 2}\nprograms:\n  big:\n    cmd: "true"\n    requires: {memory: 2G, cpu: 3}\n  fits: {cmd: "true", requires: {memory: 1G}}\n';
		assert.deepEqual(issuesOf(text), [
			"tm.yaml:6:24 programs.big.requires.memory: asks for 2G memory, more than the whole capacity (1.5G memory): big could never start; lower it, or raise taskmaster.capacity.memory (the host's total memory when not set)",
			"tm.yaml:6:33 programs.big.requires.cpu: asks for 3 CPUs, more than the whole capacity (2 CPUs): big could never start; lower it, or raise taskmaster.capacity.cpu (the host's CPU count when not set)",
		]);
		assert.match(issuesOf('programs:\n  big: {cmd: "true", requires: {memory: 32G}}\n')[0] ?? '', /more than the whole capacity \(16G memory\)/, 'the host by default');
	});
});
