/**
 * Crash and reboot recovery with a real daemon process, a real SQLite file and real children:
 * kill -9 the daemon, start it again, and check what it picked up.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon} from '../../src/core/daemon/index.js';
import {openReadonlyStore} from '../../src/store/readonly.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {daemonLog, killAllTm, runTm, type LoggedEvent} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';

const markers: string[] = [];
after(() => {
	killAllTm();
	for (const marker of markers) {
		killPids(pidsWithArg(marker));
	}
});

function events(dir: string): LoggedEvent[] {
	return daemonLog(path.join(dir, 'tmd.log'));
}

function lastFor(list: LoggedEvent[], task: string): LoggedEvent | undefined {
	return list.filter(e => e.task === task).at(-1);
}

function config(dir: string, marker: string): void {
	writeFileSync(
		path.join(dir, 'tm.yaml'),
		[
			'taskmaster:',
			'  logfile: ./tmd.log',
			'  http: off',
			'programs:',
			'  sleeper:',
			`    cmd: "sh -c 'sleep 1000; true' ${marker}"`,
			'    starttime: 0',
			'  crasher:',
			'    cmd: "sh -c \'exit 1\'"',
			'    starttime: 0',
			'    backoff: {initial: 100ms, max: 200ms}',
			'',
		].join('\n'),
	);
}

function taskRow(dir: string, id: string) {
	const store = openReadonlyStore(path.join(dir, 'home', 'tm.db'));
	try {
		return store.tasks().find(t => t.id === id);
	} finally {
		store.close();
	}
}

describe('recovery after the daemon dies', () => {
	it('kill -9 while a task crash-loops: counters and states continue, the old process is stopped, one copy runs', async () => {
		const dir = tempDir();
		const marker = `tm-marker-${randomUUID()}`;
		markers.push(marker);
		config(dir, marker);
		const first = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(() => events(dir), list => (lastFor(list, 'crasher')?.restarts ?? 0) >= 3 && lastFor(list, 'sleeper')?.to === 'running', {
			timeout: 30_000, what: 'the crasher to restart three times',
		});
		first.child.kill('SIGKILL');
		await first.exited;
		const reported = events(dir);
		const oldSleeper = lastFor(reported, 'sleeper')?.pid ?? 0;
		assert.ok(alive(oldSleeper), 'the orphan survives its daemon');

		// The store holds at least what was reported: it is written before anyone hears of a
		// change, so a kill between the two leaves it at most one turn ahead of the daemon log.
		const crasherRow = taskRow(dir, 'crasher');
		const last = lastFor(reported, 'crasher');
		const restarts = crasherRow?.record.restarts ?? -1;
		assert.ok(restarts >= (last?.restarts ?? 0) && restarts <= (last?.restarts ?? 0) + 1, `stored restarts ${restarts}, reported ${last?.restarts}`);
		if (restarts === last?.restarts && crasherRow?.record.state.kind !== last.to) {
			// Ahead within the same attempt: a state that follows the reported one.
			const cycle = ['starting', 'running', 'backoff', 'queued'];
			assert.ok(cycle.indexOf(crasherRow?.record.state.kind ?? '') > cycle.indexOf(last.to ?? ''), `stored ${crasherRow?.record.state.kind}, reported ${last.to}`);
		}
		assert.equal(taskRow(dir, 'sleeper')?.record.state.kind, 'running');

		// History works with the daemon down.
		const history = await tm(['history', 'crasher', '--json', '--home', path.join(dir, 'home')]);
		assert.equal(history.code, 0, history.err);
		const doc = JSON.parse(history.out) as {runs: unknown[]; events: unknown[]};
		assert.ok(doc.runs.length >= 3 && doc.events.length >= 3);

		const second = runTm(['up', '--foreground'], {cwd: dir});
		const before = reported.length;
		await waitFor(
			() => events(dir).slice(before),
			list => list.some(e => e.task === 'sleeper' && e.to === 'running') && list.some(e => e.task === 'crasher' && e.to === 'backoff'),
			{what: 'both tasks to be supervised again', timeout: 15_000},
		).catch(error => {
			throw new Error(`${(error as Error).message}\nsecond daemon stderr:\n${second.stderr()}`);
		});
		await Promise.resolve(
		);
		assert.ok(!alive(oldSleeper), 'the old sleeper was stopped');
		const after = events(dir).slice(before);
		assert.ok((after.find(e => e.task === 'crasher')?.restarts ?? 0) >= (lastFor(reported, 'crasher')?.restarts ?? 0));
		const newSleeper = after.find(e => e.task === 'sleeper' && e.to === 'running')?.pid ?? 0;
		assert.notEqual(newSleeper, oldSleeper);
		// sh forks sleep: until the fork execs, the child shows sh's argv (with the marker) too.
		const sleepers = await waitFor(() => pidsWithArg(marker), pids => pids.length === 1, {what: 'one process with the marker', timeout: 5000});
		assert.deepEqual(sleepers, [newSleeper], 'exactly one sleeper runs');
		const sleeperRow = taskRow(dir, 'sleeper');
		assert.equal(sleeperRow?.record.restarts, 1, 'coming back after a crash counts as a restart');

		second.child.kill('SIGTERM');
		assert.equal(await second.exited, 0);
		assert.deepEqual(pidsWithArg(marker), []);
	});

	it('after a reboot (new boot id) recorded pids are stale: they are not signalled, and tasks start afresh', async () => {
		const dir = tempDir();
		const marker = `tm-marker-${randomUUID()}`;
		markers.push(marker);
		config(dir, marker);
		const first = runTm(['up', '--foreground'], {cwd: dir, env: {TM_BOOT_ID: 'boot-one'}});
		await waitFor(() => lastFor(events(dir), 'sleeper')?.to, to => to === 'running', {timeout: 30_000, what: 'sleeper running'});
		first.child.kill('SIGKILL');
		await first.exited;
		const [stale] = pidsWithArg(marker);
		assert.ok(stale);

		const before = events(dir).length;
		const second = runTm(['up', '--foreground'], {cwd: dir, env: {TM_BOOT_ID: 'boot-two'}});
		await waitFor(() => events(dir).slice(before).find(e => e.task === 'sleeper' && e.to === 'running'), Boolean, {
			timeout: 30_000, what: 'sleeper running after the reboot',
		});
		assert.ok(alive(stale), 'a pid from another boot is never signalled');
		second.child.kill('SIGTERM');
		assert.equal(await second.exited, 0);
		assert.deepEqual(pidsWithArg(marker), [stale]);
		const history = await tm(['history', 'sleeper', '--json', '--home', path.join(dir, 'home')]);
		const doc = JSON.parse(history.out) as {runs: Array<{reason: string | null}>};
		assert.ok(doc.runs.some(r => r.reason === 'machine rebooted'));
	});
});

describe('jobs across a crash of the daemon: at least once (docs/cli.md)', () => {
	it('a job that finished while its daemon was dead runs again, as its next attempt, with its last checkpoint', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const marker = `tm-marker-${randomUUID()}`;
		markers.push(marker);
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs: {}\n');
		const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir}});
		const first = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(async () => (await cli('status')).code, code => code === 0, {timeout: 30_000, what: 'the daemon to answer'});
		// Its work: a line per attempt, a checkpoint, then (once `go` exists) a line saying it is done.
		const script = `echo "attempt=$TM_ATTEMPT checkpoint=$TM_CHECKPOINT" >> out; echo CHECKPOINT=step-1 >&3; while [ ! -e go ]; do sleep 0.05; done; echo done >> out`;
		const run = await cli('run', '--json', '--', 'sh', '-c', script, marker);
		assert.equal(run.code, 0, run.err);
		const {id} = JSON.parse(run.out) as {id: string};
		await waitFor(async () => JSON.parse((await cli('tasks', '--json')).out) as {tasks: Array<{id: string; checkpointBytes: number}>}, doc => (doc.tasks.find(t => t.id === id)?.checkpointBytes ?? 0) > 0, {
			what: 'the checkpoint saved',
		});
		first.child.kill('SIGKILL');
		await first.exited;
		const [orphan] = pidsWithArg(marker);
		assert.ok(orphan, 'the job outlives its daemon');
		writeFileSync(path.join(dir, 'go'), '');
		await waitFor(() => alive(orphan), live => !live, {what: 'the job to finish with no daemon'});
		assert.equal(readFileSync(path.join(dir, 'out'), 'utf8'), 'attempt=1 checkpoint=\ndone\n');

		const second = runTm(['up', '--foreground'], {cwd: dir});
		await waitFor(async () => JSON.parse((await cli('tasks', '--json')).out || '{"tasks":[]}') as {tasks: Array<{id: string; state: string}>}, doc => doc.tasks.find(t => t.id === id)?.state === 'completed', {
			what: 'the job to run again and complete',
			timeout: 30_000,
		});
		assert.equal(readFileSync(path.join(dir, 'out'), 'utf8'), 'attempt=1 checkpoint=\ndone\nattempt=2 checkpoint=step-1\ndone\n', 'the work ran twice');
		const history = JSON.parse((await cli('history', id, '--json')).out) as {runs: Array<{attempt: number; reason: string | null}>};
		assert.deepEqual(
			history.runs.map(r => [r.attempt, r.reason]),
			[
				[2, 'exit 0'],
				[1, 'daemon died; process gone'],
			],
		);
		second.child.kill('SIGTERM');
		assert.equal(await second.exited, 0);
	});
});

describe('recovery in process: what a person asked for survives', () => {
	it('a task stopped by hand stays stopped after a daemon restart and after a reboot; ones that were up (autostarted or started by hand) come back', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const loaded = loadConfigText(
			'programs:\n  a:\n    cmd: sleep 1000\n    starttime: 0\n  b:\n    cmd: sleep 1000\n    starttime: 0\n  c:\n    cmd: sleep 1000\n    starttime: 0\n    autostart: false\n',
			path.join(dir, 'tm.yaml'),
		);
		assert.ok(loaded.ok);
		const start = (boot: string) =>
			startDaemon({config: loaded.value, home, cwd: dir, env: {PATH: process.env['PATH'], TM_BOOT_ID: boot}, socketPath: null});

		let daemon = await start('boot-1');
		await waitFor(() => daemon.engine.get('b').record.state.kind, k => k === 'running', {what: 'b running'});
		daemon.engine.get('b').dispatch({type: 'stop'});
		daemon.engine.get('c').dispatch({type: 'start'});
		await waitFor(() => daemon.engine.get('c').record.state.kind, k => k === 'running', {what: 'c started by hand'});
		await waitFor(() => daemon.engine.get('b').record.state.kind, k => k === 'stopped', {what: 'b stopped'});
		await daemon.shutdown();

		for (const boot of ['boot-1', 'boot-2']) {
			daemon = await start(boot);
			await daemon.recovered;
			await waitFor(() => daemon.engine.get('a').record.state.kind, k => k === 'running', {what: `a running (${boot})`});
			assert.equal(daemon.engine.get('b').record.state.kind, 'stopped');
			assert.equal(daemon.engine.get('b').record.want, 'down');
			await waitFor(() => daemon.engine.get('c').record.state.kind, k => k === 'running', {what: `c, started by hand, back (${boot})`});
			await daemon.shutdown();
		}
	});
});
