/**
 * Which hosts a command line means: --host values or TM_HOST, `a,b`, named hosts from
 * `$XDG_CONFIG_HOME/tm/hosts`, `all`, --home/--socket applied, labels made unique.
 */
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {resolveHosts} from '../../../src/commands/host-targets.js';
import {hostsFilePath, readHosts, writeHosts} from '../../../src/commands/hosts-file.js';
import {tempDir} from '../../helpers/harness.js';

describe('--host and TM_HOST', () => {
	const dir = tempDir('tm-hosts-');
	const env = {XDG_CONFIG_HOME: dir, HOME: dir};
	mkdirSync(path.join(dir, 'tm'));
	writeFileSync(path.join(dir, 'tm', 'hosts'), '# named\neast ssh://root@10.0.0.1?home=/srv/tm\nwest  ssh://10.0.0.2:2222   # comment\n');

	it('is null without either: this machine', () => {
		assert.equal(resolveHosts({}, env), null);
		assert.equal(resolveHosts({}, {...env, TM_HOST: ''}), null);
	});

	it('takes addresses, names, lists and all; --host wins over TM_HOST', () => {
		assert.deepEqual(resolveHosts({host: ['east']}, env)?.targets.map(t => [t.label, t.home]), [['east', '/srv/tm']]);
		assert.equal(resolveHosts({host: ['east']}, env)?.many, false);
		assert.deepEqual(resolveHosts({host: ['east,west']}, env)?.targets.map(t => t.label), ['east', 'west']);
		assert.equal(resolveHosts({host: ['east', 'west']}, env)?.many, true);
		assert.deepEqual(resolveHosts({host: ['all']}, env)?.targets.map(t => t.url), ['ssh://root@10.0.0.1?home=/srv/tm', 'ssh://10.0.0.2:2222']);
		assert.deepEqual(resolveHosts({}, {...env, TM_HOST: 'west'})?.targets.map(t => t.label), ['west']);
		assert.deepEqual(resolveHosts({host: ['east']}, {...env, TM_HOST: 'west'})?.targets.map(t => t.label), ['east']);
	});

	it('applies --home and --socket to the remote side, and keeps labels apart', () => {
		const [target] = resolveHosts({host: ['east'], socket: '/run/tm.sock'}, env)!.targets;
		assert.deepEqual([target?.socket, target?.home], ['/run/tm.sock', null]);
		const twice = resolveHosts({host: ['ssh://h?home=/a', 'ssh://h?home=/b', 'ssh://h?home=/a']}, env)!.targets;
		assert.deepEqual(twice.map(t => t.label), ['h', 'h#2']);
	});

	it('refuses an unknown name, naming tm host ls', () => {
		assert.throws(() => resolveHosts({host: ['north']}, env), /tm host ls/);
		assert.throws(() => resolveHosts({host: ['all']}, {XDG_CONFIG_HOME: path.join(dir, 'none')}), /no named hosts/);
	});

	it('writes the file whole, one NAME URL per line', () => {
		const other = {XDG_CONFIG_HOME: path.join(dir, 'fresh')};
		const file = writeHosts(other, new Map([['a', 'ssh://a']]));
		assert.equal(file, hostsFilePath(other));
		assert.match(readFileSync(file, 'utf8'), /^a ssh:\/\/a$/m);
		assert.deepEqual([...readHosts(other)], [['a', 'ssh://a']]);
		writeFileSync(file, 'a\n');
		assert.throws(() => readHosts(other), /:1: expected "NAME ssh:\/\/…"/);
	});
});
