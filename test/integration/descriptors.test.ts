/**
 * A real daemon under a low descriptor limit (`prlimit --nofile=N:N`) with more programs than
 * its descriptors can hold: it keeps answering (`tm status`, `tm down`), the programs that found
 * no descriptor wait with the reason instead of going fatal, and a healthy program restarted
 * meanwhile waits too, then runs once descriptors free up.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc, TaskStatus} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {daemonLog, killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

/** Enough for the daemon (under tsx) to load and run; 40 programs need 5 descriptors each. */
const limit = 128;
const programs = 40;
const marker = `1000.${process.pid}`;

after(() => {
	killAllTm();
	killPids(pidsWithArg(marker));
});

const prlimit = spawnSync('prlimit', ['--version']).status === 0;

describe('a daemon out of file descriptors', {skip: prlimit ? false : 'prlimit (util-linux) is not installed'}, () => {
	it('answers tm status and tm down, and a restarted program waits with the reason, then runs, never fatal', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const yaml = ['taskmaster:', '  logfile: ./tmd.log', '  http: off', 'programs:'];
		for (let i = 0; i < programs; i++) {
			// One failed start would be fatal, so a start counted as failed shows at once.
			yaml.push(`  p${i}:`, `    cmd: sleep ${marker}`, '    starttime: 0', '    startretries: 0');
		}

		writeFileSync(path.join(dir, 'tm.yaml'), `${yaml.join('\n')}\n`);
		const daemon = runTm(['up', '--foreground'], {cwd: dir, prefix: ['prlimit', `--nofile=${limit}:${limit}`, '--']});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const status = async (): Promise<StatusDoc | string> => {
			const result = await cli('status', '--json');
			return result.code === 0 ? (JSON.parse(result.out) as StatusDoc) : `exit ${result.code}: ${result.err}`;
		};

		const reason = new RegExp(`^waiting for file descriptors: limit ${limit} reached; raise LimitNOFILE / ulimit -n$`);
		const waiting = (task: TaskStatus): boolean => task.state === 'queued' && task.cause === 'descriptors' && reason.test(task.reason);
		const settled = (doc: StatusDoc | string): doc is StatusDoc =>
			typeof doc !== 'string' && doc.tasks.some(waiting) && doc.tasks.every(task => task.state === 'running' || waiting(task));
		const first = await waitFor(status, settled, {timeout: 20_000, interval: 200, what: 'some programs running, the rest waiting for descriptors'});
		assert.ok(typeof first !== 'string');
		const running = first.tasks.filter(task => task.state === 'running');
		assert.ok(running.length >= 2, `${running.length} running`);

		for (let i = 0; i < 5; i++) {
			const answer = await status();
			assert.notEqual(typeof answer, 'string', `tm status ${i + 1}: ${String(answer)}`);
		}

		const warnings = daemon.stderr().match(/out of file descriptors: the limit of \d+ open files is reached/g) ?? [];
		assert.deepEqual(warnings, [`out of file descriptors: the limit of ${limit} open files is reached`], daemon.stderr());
		assert.ok(daemonLog(path.join(dir, 'tmd.log')).some(line => line.message?.startsWith(warnings[0]!)));
		assert.doesNotMatch(daemon.stderr(), /sampling failed/, 'the sampler has descriptors to read /proc with');

		// A healthy program restarted while descriptors are out waits with the reason...
		const healthy = running[0]!.id;
		const restart = cli('restart', healthy);
		const parked = await waitFor(status, doc => typeof doc !== 'string' && waiting(doc.tasks.find(task => task.id === healthy)!), {
			timeout: 10_000,
			interval: 100,
			what: `${healthy} waiting for descriptors after its restart`,
		});
		assert.ok(typeof parked !== 'string');
		assert.equal(parked.tasks.find(task => task.id === healthy)?.failures, 0);

		// ...and runs once descriptors free up: the other waiting programs and a few running ones stop.
		const others = parked.tasks.filter(task => task.id !== healthy && task.state === 'queued').map(task => task.id);
		const stop = await cli('stop', ...others, ...running.slice(1, 8).map(task => task.id));
		assert.equal(stop.code, 0, stop.err);
		const restarted = await restart;
		assert.equal(restarted.code, 0, restarted.err);
		const after = await status();
		assert.ok(typeof after !== 'string', after as string);
		const task = after.tasks.find(candidate => candidate.id === healthy);
		assert.equal(task?.state, 'running', JSON.stringify(task));
		assert.notEqual(task?.pid, running[0]!.pid);
		assert.equal(task?.restarts, 1);
		assert.ok(after.tasks.every(candidate => candidate.state === 'running' || candidate.state === 'stopped'));

		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		assert.equal(await daemon.exited, 0);
		assert.deepEqual(pidsWithArg(marker), []);
	});
});
