/**
 * `taskmaster.http_cors`: origins kept as a browser writes `Origin`; `*`, `null`, wildcards,
 * paths and other schemes refused with the key's path and the fix.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ConfigIssue} from '../../../src/core/config/issue.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import {needsRestart} from '../../../src/core/daemon/reload-plan.js';

function cors(value: string): string[] | undefined {
	const result = loadConfigText(`taskmaster:\n  http: 127.0.0.1:4242\n  http_cors: ${value}\n`, 'tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error));
	return result.value.daemon.httpCors;
}

function issues(text: string): string[] {
	const result = loadConfigText(text, 'tm.yaml');
	assert.equal(result.ok, false, 'the config should be refused');
	return result.ok ? [] : result.error.map((issue: ConfigIssue) => `${issue.line}:${issue.col} ${issue.path}: ${issue.message}`);
}

const refused = (value: string): string[] => issues(`taskmaster:\n  http: 127.0.0.1:4242\n  http_cors: ${value}\n`);

describe('taskmaster.http_cors', () => {
	test('absent, empty or an empty list: no origin (no CORS)', () => {
		const plain = loadConfigText('taskmaster:\n  http: 4242\n', 'tm.yaml');
		assert.ok(plain.ok);
		assert.deepEqual(plain.value.daemon.httpCors, []);
		assert.deepEqual(cors(''), []);
		assert.deepEqual(cors('[]'), []);
	});

	test('one origin or a list, each as a browser writes it in Origin, each once', () => {
		assert.deepEqual(cors('https://ops.example.com'), ['https://ops.example.com']);
		assert.deepEqual(cors('[HTTPS://Ops.Example.com:443/, "http://localhost:3000", "http://[::1]:8080", https://ops.example.com]'), [
			'https://ops.example.com',
			'http://localhost:3000',
			'http://[::1]:8080',
		]);
	});

	test('refuses what is not an origin, naming the key and the fix', () => {
		assert.deepEqual(refused('"*"'), [
			'3:14 taskmaster.http_cors: "*" would let every web site read this API from a browser on this machine (reads on loopback need no token); list the origins that may call it, like https://ops.example.com',
		]);
		assert.deepEqual(refused('["null"]'), [
			'3:14 taskmaster.http_cors: "null" is the origin of sandboxed frames and local files, which any page can make; list real origins, like https://ops.example.com',
		]);
		assert.match(refused('https://*.example.com')[0] ?? '', /taskmaster\.http_cors: "https:\/\/\*\.example\.com": wildcards are not supported; list each origin/);
		assert.match(refused('ops.example.com')[0] ?? '', /taskmaster\.http_cors: "ops\.example\.com" is not an origin: write scheme:\/\/host\[:port\], like https:\/\/ops\.example\.com/);
		assert.match(refused('https://ops.example.com/console')[0] ?? '', /has a path \(\/console\): an origin is scheme:\/\/host\[:port\] only/);
		assert.match(refused('"https://ops.example.com?x=1"')[0] ?? '', /has a query/);
		assert.match(refused('https://me@ops.example.com')[0] ?? '', /has a user/);
		assert.match(refused('ftp://ops.example.com')[0] ?? '', /only http:\/\/ and https:\/\/ pages can call the API/);
		assert.match(refused('{origin: x}')[0] ?? '', /taskmaster\.http_cors: expected an origin like https:\/\/ops\.example\.com, got a map/);
		assert.match(refused('[42]')[0] ?? '', /expected an origin like https:\/\/ops\.example\.com, got 42/);
	});

	test('without an http view there is nothing to call', () => {
		assert.deepEqual(issues('taskmaster:\n  http: off\n  http_cors: [https://ops.example.com]\n'), [
			'3:14 taskmaster.http_cors: there is no API to call: taskmaster.http is off; set http too, or remove http_cors',
		]);
	});

	test('is read when the daemon starts', () => {
		assert.equal(needsRestart('http_cors'), true);
	});
});
