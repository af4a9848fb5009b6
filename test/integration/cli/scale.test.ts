/**
 * `tm scale` end to end (issue 18), against a real daemon (`tm up --foreground` through
 * bin/tm.ts) in a temp home: instances added and stopped while the others keep their process,
 * the scale kept across a restart until the config's numprocs changes, `--slots`, bad input.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {ScaleResult, StatusDoc, TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {assertSchema, parseDocument} from '../../helpers/schema.js';
import {daemonLog, killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

/** Process groups to kill whatever a test left behind. */
const groups = new Set<number>();
after(() => {
	for (const pid of groups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}

	killAllTm();
});

function daemon(config: string) {
	const dir = tempDir('tm-scale-');
	const home = path.join(dir, 'home');
	const file = path.join(dir, 'tm.yaml');
	writeFileSync(file, config);
	let proc: TmProcess | null = null;
	const cli = (...args: string[]) => tm(['--home', home, ...args], {cwd: dir, env: {HOME: dir, PATH: process.env['PATH'] ?? '/usr/bin:/bin'}});
	const status = async (): Promise<StatusDoc> => {
		const result = await cli('status', '--json');
		assert.equal(result.code, 0, result.err);
		const doc = parseDocument(result.out) as StatusDoc;
		doc.tasks.forEach(task => task.pid !== null && groups.add(task.pid));
		return doc;
	};

	/** Waits until the running tasks are exactly `ids`, each with a pid. */
	const running = async (ids: string[]): Promise<Map<string, number>> => {
		const doc = await waitFor(
			status,
			d => JSON.stringify(d.tasks.map(t => `${t.id} ${t.state}`).sort()) === JSON.stringify(ids.map(id => `${id} running`).sort()) && d.tasks.every(t => t.pid !== null),
			{what: `exactly ${ids.join(', ')} running`, timeout: 20_000},
		);
		return new Map(doc.tasks.map((t: TaskStatus) => [t.id, t.pid!]));
	};

	const scale = async (...args: string[]): Promise<ScaleResult> => {
		const result = await cli('scale', ...args, '--json');
		assert.equal(result.code, 0, result.err);
		const doc = parseDocument(result.out) as ScaleResult;
		assertSchema('scale', doc);
		return doc;
	};

	return {
		dir,
		home,
		file,
		cli,
		status,
		running,
		scale,
		async up() {
			proc = runTm(['up', '--foreground'], {cwd: dir});
			groups.add(proc.pid);
			await waitFor(async () => (await cli('tasks')).code, code => code === 0, {what: 'the daemon to answer', timeout: 20_000});
		},
		async down() {
			const down = await cli('down');
			assert.equal(down.code, 0, down.err);
			assert.equal(await proc?.exited, 0);
		},
	};
}

// Each instance says how it was stopped: by its stopsignal, handled, not SIGKILL.
const web = (numprocs: number) =>
	[
		'taskmaster:',
		'  logfile: ./tmd.log',
		'programs:',
		'  web:',
		`    cmd: "sh -c 'trap \\"echo stopped by INT; exit 0\\" INT; echo up; while :; do sleep 0.1; done'"`,
		`    numprocs: ${numprocs}`,
		'    starttime: 0',
		'    stopsignal: INT',
		'    stoptime: 10',
		'',
	].join('\n');

describe('tm scale PROGRAM N', () => {
	it('adds and stops the highest-numbered instances, web:0 keeps its pid; kept across a restart until the config\'s numprocs changes', async () => {
		const d = daemon(web(2));
		await d.up();
		const first = await d.running(['web:0', 'web:1']);
		const web0 = first.get('web:0')!;

		const up = await d.scale('web', '3');
		assert.deepEqual(up, {program: 'web', from: 2, to: 3, configured: 2, added: ['web:2'], removed: []});
		const three = await d.running(['web:0', 'web:1', 'web:2']);
		assert.equal(three.get('web:0'), web0, 'web:0 untouched');
		assert.equal(three.get('web:1'), first.get('web:1'), 'web:1 untouched');
		// Running is not yet trapping INT: each says `up` after its trap.
		const said = (id: string): string => (existsSync(path.join(d.home, 'logs', `${id}.out.log`)) ? readFileSync(path.join(d.home, 'logs', `${id}.out.log`), 'utf8') : '');
		await waitFor(() => ['web:1', 'web:2'].map(said), logs => logs.every(log => log.includes('up\n')), {what: 'web:1 and web:2 trapping INT', timeout: 20_000});

		const down = await d.scale('web', '1');
		assert.deepEqual(down, {program: 'web', from: 3, to: 1, configured: 2, added: [], removed: ['web:1', 'web:2']});
		const one = await d.running(['web:0']);
		assert.equal(one.get('web:0'), web0, 'the kept instance keeps its process');
		assert.ok(!alive(three.get('web:1')!) && !alive(three.get('web:2')!), 'the others are gone');
		for (const id of ['web:1', 'web:2']) {
			assert.match(readFileSync(path.join(d.home, 'logs', `${id}.out.log`), 'utf8'), /stopped by INT\n/, `${id} got its stopsignal`);
		}

		const shown = await d.cli('show', 'web:0');
		assert.match(shown.out, /^numprocs +1 \(scaled; config says 2\)$/m);
		const text = await d.cli('status');
		assert.match(text.out, /\nweb runs 1 instances \(tm scale; config says 2\)\n$/);
		assert.deepEqual((await d.status()).daemon.scaled, [{program: 'web', numprocs: 1, configured: 2}]);
		const history = await d.cli('history', '--all', '-n', '50');
		assert.match(history.out, / - +scale +3 -> 1 +requested +web scaled from 3 to 1 instances \(config says 2\)/);

		// The scale survives the daemon; web:1 stays away.
		await d.down();
		await d.up();
		await d.running(['web:0']);
		assert.match((await d.cli('show', 'web:0')).out, /^numprocs +1 \(scaled; config says 2\)$/m);

		// A reload of the same config keeps it; another numprocs wins, and the daemon log says so.
		assert.equal((await d.cli('reload')).code, 0);
		await d.running(['web:0']);
		writeFileSync(d.file, web(3));
		const reload = await d.cli('reload');
		assert.equal(reload.code, 0, reload.err);
		const back = await d.running(['web:0', 'web:1', 'web:2']);
		assert.equal(back.get('web:0'), (await d.status()).tasks.find(t => t.id === 'web:0')?.pid, 'web:0 is not restarted by a numprocs change');
		assert.match((await d.cli('show', 'web:0')).out, /^numprocs +3$/m);
		assert.ok(
			daemonLog(path.join(d.dir, 'tmd.log')).some(line => line.message === 'tm scale web 1 no longer applies: numprocs of web in the config changed from 2 to 3; the config wins'),
			'the daemon log says the config wins',
		);
		assert.deepEqual((await d.status()).daemon.scaled, []);
		await d.down();
	});

	it('a program the config runs once keeps its name: instances tm scale adds are web:1, web:2; a config change across a restart wins', async () => {
		const d = daemon(web(1));
		await d.up();
		const pid = (await d.running(['web'])).get('web');
		assert.deepEqual((await d.scale('web', '3')).added, ['web:1', 'web:2']);
		assert.equal((await d.running(['web', 'web:1', 'web:2'])).get('web'), pid);
		// `tm show web` means the task named web, though the program's name means all three.
		assert.match((await d.cli('show', 'web')).out, /^numprocs +3 \(scaled; config says 1\)$/m);
		assert.equal((await d.cli('logs', 'web')).code, 0);
		await d.down();

		writeFileSync(d.file, web(2));
		await d.up();
		await d.running(['web:0', 'web:1']);
		assert.ok(daemonLog(path.join(d.dir, 'tmd.log')).some(line => line.message === 'tm scale web 3 no longer applies: numprocs of web in the config changed from 1 to 2; the config wins'));
		await d.down();
	});

	it('refuses an unknown program, a number out of range, a job, and says how', async () => {
		const d = daemon(web(1));
		await d.up();
		await d.running(['web']);
		const refusals: Array<[string[], number, RegExp]> = [
			[['nope', '2'], 4, /no program named nope in the config \(its programs: web\)/],
			[['web', 'two'], 2, /the number of instances of web must be a whole number from 0 to 100000, got "two"/],
			[['web', '100001'], 2, /from 0 to 100000, got "100001"/],
			[['web', '-1'], 2, /./],
			[['web'], 2, /usage: tm scale PROGRAM N \(e\.g\. tm scale web 3\), or tm scale --slots N/],
			[['--slots', '0'], 2, /--slots must be a whole number ≥ 1, got "0"/],
			[['web', '2', '--slots', '3'], 2, /tm scale --slots N takes no program/],
		];
		for (const [args, code, message] of refusals) {
			const result = await d.cli('scale', ...args);
			assert.equal(result.code, code, `${args.join(' ')}: ${result.err}`);
			assert.match(result.err, message, args.join(' '));
		}

		const job = await d.cli('run', '--name', 'backup', '--', 'sleep', '1000');
		assert.equal(job.code, 0, job.err);
		const refused = await d.cli('scale', 'backup', '2', '--json');
		assert.equal(refused.code, 2);
		assert.match(refused.err, /"code":"E_USAGE".*backup is a job, which runs once/);
		await d.running(['web', job.out.trim()]);
		await d.down();
	});
});

describe('tm scale --slots N', () => {
	it('changes max_running at once, kept across a restart until the config\'s max_running changes', async () => {
		const config = (slots: number) => `taskmaster:\n  logfile: ./tmd.log\n  max_running: ${slots}\nprograms: {}\n`;
		const d = daemon(config(1));
		await d.up();
		const jobs: string[] = [];
		for (let i = 0; i < 3; i++) {
			const result = await d.cli('run', '--', 'sleep', '1000');
			assert.equal(result.code, 0, result.err);
			jobs.push(result.out.trim());
		}

		const states = async () => new Map((await d.status()).tasks.map(t => [t.id, t.state]));
		await waitFor(states, s => [...s.values()].filter(state => state === 'running').length === 1, {what: 'one job running', timeout: 20_000});
		assert.deepEqual(await d.scale('--slots', '3'), {program: null, from: 1, to: 3, configured: 1, added: [], removed: []});
		await waitFor(states, s => jobs.every(id => s.get(id) === 'running'), {what: 'all three running', timeout: 20_000});
		const slots = (await d.status()).daemon.slots;
		assert.deepEqual({...slots, changedAt: null}, {max: 3, holding: 3, mode: 'scaled', configured: 1, reason: 'tm scale --slots 3 (config says 1)', changedAt: null});
		assert.match((await d.cli('status')).out, /\nslots 3, 3 held \(tm scale; config says 1\)\n$/);
		assert.match((await d.cli('history', '--all')).out, / - +slots +1 -> 3 +requested +tm scale --slots 3 \(config says 1\)/);

		await d.down();
		await d.up();
		// Restored with the tasks, once tm.db is open (the socket answers a moment before).
		await waitFor(d.status, doc => doc.daemon.slots?.max === 3 && doc.daemon.slots.mode === 'scaled', {what: 'the slots kept across a restart', timeout: 20_000});
		await waitFor(states, s => jobs.every(id => s.get(id) === 'running'), {what: 'all three running again', timeout: 20_000});

		writeFileSync(path.join(d.dir, 'tm.yaml'), config(2));
		assert.equal((await d.cli('reload')).code, 0);
		const after = (await d.status()).daemon.slots;
		assert.equal(after?.max, 2, 'the config wins');
		assert.equal(after?.mode, 'config');
		assert.ok(daemonLog(path.join(d.dir, 'tmd.log')).some(line => line.message === 'slots 3 -> 2: tm scale --slots 3 no longer applies: max_running in the config changed from 1 to 2; the config wins'));
		await d.down();
	});
});
