import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {tmAddon} from '../../../src/core/native-addon.js';
import {scanProc, scanProcInJs} from '../../../src/core/resources/proc-scan.js';
import type {ProcStat} from '../../../src/core/resources/proc-stat.js';
import {FakeProc} from '../../helpers/fake-proc.js';

let dir = '';
let proc: FakeProc;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'tm-scan-unit-'));
	proc = new FakeProc(join(dir, 'proc'));
});
afterEach(() => {
	rmSync(dir, {recursive: true, force: true});
});

const byPid = (stats: ProcStat[]): ProcStat[] => [...stats].sort((a, b) => a.pid - b.pid);

describe('scanProc: one job on the pool (the addon) and the JS reads agree', () => {
	it('the addon is what the daemon uses here', () => {
		assert.equal(typeof tmAddon()?.readProcStats, 'function', 'npm ci builds native/build/tm_spawn.node');
	});

	it('reads every process, a command name with a newline or parentheses, a line over 1 KiB; skips what is not a process', async () => {
		proc.write(
			{pid: 1, ppid: 0, utime: 5, rss: 3},
			{pid: 200, ppid: 1, comm: 'a\nb) S 1 1', utime: 7, rss: 11},
			{pid: 201, ppid: 200, comm: 'x'.repeat(2000), cutime: 3, rss: 2},
		);
		proc.writeRaw(202, '202 (half');
		proc.writeRaw(203, '');
		new FakeProc(join(proc.root, '205')); // a pid folder without a stat file: exited mid-scan
		new FakeProc(join(proc.root, 'self'));
		new FakeProc(join(proc.root, '12a'));
		const native = byPid(await scanProc(proc.root));
		const js = byPid(await scanProcInJs(proc.root));
		assert.deepEqual(native, js);
		assert.deepEqual(
			native.map(stat => [stat.pid, stat.comm.length, stat.ppid, stat.ticks, stat.rssPages]),
			[
				[1, 5, 0, 5, 3],
				[200, 10, 1, 7, 11],
				[201, 2000, 200, 3, 2],
			],
		);
	});

	it('an empty folder is no processes', async () => {
		assert.deepEqual(await scanProc(proc.root), []);
	});

	it('rejects, naming the folder, when it cannot be listed', async () => {
		const nowhere = join(dir, 'nowhere');
		await assert.rejects(scanProc(nowhere), (error: Error) => error.message.includes(nowhere) && /no such file/i.test(error.message));
		await assert.rejects(scanProcInJs(nowhere));
	});

	it('finds this process in the real /proc', async () => {
		const me = (await scanProc('/proc')).find(stat => stat.pid === process.pid);
		assert.equal(me?.ppid, process.ppid);
		assert.ok((me?.rssPages ?? 0) > 0);
	});
});
