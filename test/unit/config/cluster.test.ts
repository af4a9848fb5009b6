/**
 * `taskmaster.cluster`: the URL (no password in it, never repeated), the member's name, the
 * lease and poll, the password file resolved next to the config.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {ConfigIssue} from '../../../src/core/config/issue.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {Config} from '../../../src/core/model.js';

function load(text: string): Config {
	const result = loadConfigText(text, '/etc/tm/tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error, null, 2));
	return result.value;
}

function issues(text: string): string[] {
	const result = loadConfigText(text, 'tm.yaml');
	assert.equal(result.ok, false, 'the config should be refused');
	return result.ok ? [] : result.error.map((issue: ConfigIssue) => `${issue.path}: ${issue.message}`);
}

test('a cluster with every key, and one with the defaults', () => {
	const full = load('taskmaster:\n  cluster: {postgres: "postgres://tm@db:5432/tm", name: b-3, lease: 10s, poll: 500ms, password_file: pg-pass}\n');
	assert.deepEqual(full.daemon.cluster, {postgres: 'postgres://tm@db:5432/tm', name: 'b-3', leaseMs: 10_000, pollMs: 500, passwordFile: '/etc/tm/pg-pass'});
	const plain = load('taskmaster:\n  cluster: {postgres: "postgresql://tm@db/tm"}\n');
	assert.deepEqual(plain.daemon.cluster, {postgres: 'postgresql://tm@db/tm', name: null, leaseMs: 30_000, pollMs: 1000, passwordFile: null});
	assert.equal(load('programs: {}\n').daemon.cluster ?? null, null);
});

test('bad cluster settings are named, with the fix; a password is never repeated', () => {
	const found = issues('taskmaster:\n  cluster: {postgres: "postgres://tm:hunter2@db/tm", name: "a b", lease: 1s, poll: 9s, colour: red}\n');
	assert.ok(found.some(line => line.startsWith('taskmaster.cluster.postgres: the URL holds a password: take it out')), found.join('\n'));
	assert.ok(found.includes("taskmaster.cluster.name: expected a host name of letters, digits, '.', '_' or '-' (at most 63), got \"a b\""), found.join('\n'));
	assert.ok(found.some(line => line.startsWith('taskmaster.cluster.lease: expected a lease of at least 2s')), found.join('\n'));
	assert.ok(found.some(line => line.startsWith('taskmaster.cluster.colour: unknown key')), found.join('\n'));
	assert.ok(!found.join('\n').includes('hunter2'));
	assert.deepEqual(issues('taskmaster:\n  cluster: {name: x}\n'), ['taskmaster.cluster: cluster needs postgres: a URL like postgres://tm@db.example.org:5432/tm']);
	assert.match(issues('taskmaster:\n  cluster: {postgres: "mysql://db/tm"}\n')[0]!, /expected a URL starting postgres:\/\//);
	assert.match(issues('taskmaster:\n  cluster: {postgres: "postgres://tm@db/tm", lease: 4s, poll: 3s}\n')[0]!, /poll must be at most half the lease \(4s\)/);
});
