import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, hostname, tmpdir, totalmem} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parseMeminfo, sampleHost} from '../../../src/core/resources/host.js';

const meminfo = `MemTotal:       24684096 kB
MemFree:         2000000 kB
MemAvailable:   23704820 kB
Buffers:          123456 kB
`;

describe('parseMeminfo', () => {
	it('takes MemTotal and MemAvailable, in bytes', () => {
		assert.deepEqual(parseMeminfo(meminfo), {total: 24684096 * 1024, available: 23704820 * 1024});
	});

	it('is null without MemAvailable (Linux before 3.14) or on garbage', () => {
		assert.equal(parseMeminfo('MemTotal:       24684096 kB\nMemFree:         2000000 kB\n'), null);
		assert.equal(parseMeminfo(''), null);
	});
});

describe('sampleHost', () => {
	it('returns sane values for this machine', async () => {
		const host = await sampleHost(tmpdir());
		assert.equal(host.hostname, hostname());
		assert.equal(host.cpus, cpus().length);
		assert.equal(host.load.length, 3);
		assert.ok(host.load.every((l) => Number.isFinite(l) && l >= 0), String(host.load));
		assert.equal(host.memoryTotal, totalmem());
		assert.ok(host.memoryFree > 0 && host.memoryFree <= host.memoryTotal, `${host.memoryFree} of ${host.memoryTotal}`);
		assert.ok(host.diskFree !== null && host.diskFree > 0 && Number.isSafeInteger(host.diskFree), String(host.diskFree));
	});

	it('diskFree is null for a folder that does not exist', async () => {
		const host = await sampleHost(join(tmpdir(), 'tm-no-such-dir', 'deeper'));
		assert.equal(host.diskFree, null);
	});

	it('reads meminfo under procRoot, and falls back to Node\'s numbers without one', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'tm-res-host-'));
		try {
			writeFileSync(join(dir, 'meminfo'), meminfo);
			const fake = await sampleHost(dir, {procRoot: dir});
			assert.equal(fake.memoryFree, 23704820 * 1024);
			const none = await sampleHost(dir, {procRoot: join(dir, 'nothing')});
			assert.equal(none.memoryTotal, totalmem());
			assert.ok(none.memoryFree > 0);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
