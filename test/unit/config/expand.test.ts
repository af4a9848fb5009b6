import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {expandTasks, instanceLogPath} from '../../../src/core/config/expand.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {Config} from '../../../src/core/model.js';

function config(text: string): Config {
	const result = loadConfigText(text, '/etc/tm/tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error));
	return result.value;
}

describe('expandTasks', () => {
	test('one instance keeps the program name as its id', () => {
		const tasks = expandTasks(config('programs:\n  web:\n    cmd: a\n    startretries: 5\n    stdout: /var/log/web.out.log\n'));
		assert.equal(tasks.length, 1);
		const [web] = tasks;
		assert.equal(web?.id, 'web');
		assert.equal(web?.kind, 'service');
		assert.equal(web?.program, 'web');
		assert.equal(web?.instance, 0);
		assert.equal(web?.retries, 5);
		assert.equal(web?.stdout, '/var/log/web.out.log');
	});

	test('several instances are name:0 … name:N-1, in file order', () => {
		const tasks = expandTasks(config('programs:\n  web:\n    cmd: a\n    numprocs: 3\n  db:\n    cmd: b\n'));
		assert.deepEqual(
			tasks.map((task) => [task.id, task.program, task.instance]),
			[
				['web:0', 'web', 0],
				['web:1', 'web', 1],
				['web:2', 'web', 2],
				['db', 'db', 0],
			],
		);
	});

	test('instances never share a log file', () => {
		const tasks = expandTasks(
			config('programs:\n  web:\n    cmd: a\n    numprocs: 2\n    stdout: /var/log/web.out.log\n    stderr: logs/web\n'),
		);
		assert.deepEqual(
			tasks.map((task) => [task.stdout, task.stderr]),
			[
				['/var/log/web.out.0.log', '/etc/tm/logs/web.0'],
				['/var/log/web.out.1.log', '/etc/tm/logs/web.1'],
			],
		);
	});

	test('%(process_num)d and %(program_name)s are expanded', () => {
		const tasks = expandTasks(
			config(
				'programs:\n  web:\n    cmd: a\n    numprocs: 2\n    stdout: "/var/log/%(program_name)s-%(process_num)d.log"\n    stderr: "/var/log/%(program_name)s.%(process_num)02d.err"\n',
			),
		);
		assert.deepEqual(
			tasks.map((task) => [task.stdout, task.stderr]),
			[
				['/var/log/web-0.log', '/var/log/web.00.err'],
				['/var/log/web-1.log', '/var/log/web.01.err'],
			],
		);
	});
});

describe('instanceLogPath', () => {
	const cases: Array<[string | null, number, number, string | null]> = [
		[null, 0, 2, null],
		['/var/log/web.out.log', 0, 1, '/var/log/web.out.log'],
		['/var/log/web.out.log', 1, 2, '/var/log/web.out.1.log'],
		['/var/log/web', 1, 2, '/var/log/web.1'],
		['/var/log/.web', 1, 2, '/var/log/.web.1'],
		['/var/log/web-%(process_num)s.log', 3, 4, '/var/log/web-3.log'],
		['/var/log/%(program_name)s.log', 0, 1, '/var/log/web.log'],
		['/var/log/%(program_name)s.log', 1, 2, '/var/log/web.1.log'],
	];
	for (const [path, instance, numprocs, expected] of cases) {
		test(`${path} #${instance}/${numprocs} → ${expected}`, () => {
			assert.equal(instanceLogPath(path, 'web', instance, numprocs), expected);
		});
	}
});
