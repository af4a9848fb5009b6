/**
 * The daemon log (`taskmaster.logfile`): every event as a JSON line, rotated like a task log
 * (10 MiB, 5 backups), and shown at /logs from whichever file is current.
 */
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {logDefaults} from '../../src/core/config/defaults.js';
import {daemonLog} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';
import {webDaemon} from '../helpers/web-daemon.js';

describe('daemon log', () => {
	it('writes every event as a JSON line, rotates at 10 MiB keeping the old file, and /logs follows the new one', async () => {
		const yaml = 'taskmaster:\n  logfile: ./logs/tmd.log\nprograms:\n  a:\n    cmd: sleep 1000\n    starttime: 0\n';
		// A log left nearly full by an earlier daemon: the first lines of this one rotate it.
		const web = await webDaemon(yaml, {
			before(dir) {
				mkdirSync(path.join(dir, 'logs'));
				const line = `${JSON.stringify({time: '2020-01-01T00:00:00.000Z', type: 'daemon', message: 'old'})}\n`;
				const old = line.repeat(Math.floor((logDefaults.maxSize - 100) / line.length));
				writeFileSync(path.join(dir, 'logs', 'tmd.log'), old);
			},
		});
		try {
			const file = path.join(web.dir, 'logs', 'tmd.log');
			await web.waitState('a', 'running');
			web.daemon.engine.get('a').dispatch({type: 'restart'});
			await waitFor(() => web.daemon.engine.get('a').record, r => r.restarts === 1 && r.state.kind === 'running', {what: 'a restarted'});
			const logged = await waitFor(() => daemonLog(file), lines => lines.filter(l => l.task === 'a').length === web.events.length, {what: 'every event in the log'});

			const rotated = statSync(`${file}.1`).size;
			assert.ok(rotated <= logDefaults.maxSize && rotated > logDefaults.maxSize - 1000, `the full file moved to .1 (${rotated} bytes)`);
			assert.ok(readFileSync(`${file}.1`, 'utf8').endsWith('\n'), 'cut at a line end');
			assert.equal(logged[0]?.message, 'daemon started', 'the new file starts with this daemon');
			assert.ok(logged.every(line => line.message !== 'old'));
			assert.deepEqual(
				logged.filter(l => l.task === 'a').map(l => l.to),
				web.events.map(e => e.to),
			);

			const shown = (await (await fetch(`${web.url}/logs?lines=2`)).text()).trim().split('\n');
			assert.equal(shown.length, 2);
			assert.deepEqual(shown.map(l => (JSON.parse(l) as {to: string}).to), web.events.slice(-2).map(e => e.to));
		} finally {
			await web.cleanup();
		}
	});
});
