/**
 * A tm.db made by a real daemon (programs, a crash loop, queued jobs), then damaged with the
 * daemon down: garbage over a page in the middle, a zeroed page type, a garbled header, a
 * garbled schema page. Each time `tm up` refuses it (E_STORE, the damage named, the fix given)
 * and leaves it byte for byte; `tm db recover` rebuilds tm.db and keeps the damaged file aside;
 * every row it kept is the row the daemon wrote, every row it lost is reported; and a daemon
 * comes up on it with the tasks, counters and queued jobs that survived.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {StatusDoc, TaskStatus} from '../../src/core/ipc/methods.js';
import type {RecoveryReport} from '../../src/store/recover.js';
import {tm} from '../helpers/cli.js';
import {folderSnapshot, garbage, overwrite, pagesOf, rowsOf, tmTables, type PageInfo, type TableName} from '../helpers/damage.js';
import {tempDir} from '../helpers/harness.js';
import {killPids, pidsWithArg} from '../helpers/procs.js';
import {assertSchema} from '../helpers/schema.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

const marker = `tm-damaged-${randomUUID()}`;
after(() => {
	killAllTm();
	killPids(pidsWithArg(marker));
});

const config = [
	'taskmaster:',
	'  max_running: 3',
	'programs:',
	'  web:',
	`    cmd: "sh -c 'sleep 1000; true' ${marker}"`,
	'    starttime: 0',
	'  crasher:',
	'    cmd: "sh -c \'exit 1\'"',
	'    starttime: 0',
	'    startretries: 100000',
	'    backoff: {initial: 10ms, max: 10ms}',
	'',
].join('\n');

const cli = (home: string, ...args: string[]) => tm(['--home', home, ...args], {cwd: path.dirname(home), env: {HOME: path.dirname(home)}});

async function status(home: string): Promise<TaskStatus[] | null> {
	const result = await cli(home, 'status', '--json');
	return result.code === 0 ? (JSON.parse(result.out) as StatusDoc).tasks : null;
}

/** A home whose tm.db a real daemon wrote and left with `tm down`; `intact` is a copy of it to compare with. */
async function buildHome(): Promise<{dir: string; intact: string}> {
	const dir = tempDir();
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	const daemon = runTm(['up', '--foreground'], {cwd: dir});
	await waitFor(async () => status(home), tasks => tasks !== null, {what: 'the daemon to answer'});
	const refused = await cli(home, 'db', 'recover', '--json');
	assert.equal(refused.code, 1);
	assert.equal((JSON.parse(refused.err) as {error: {code: string}}).error.code, 'E_DAEMON_RUNNING', 'recover refuses while a daemon runs');
	await waitFor(async () => status(home), tasks => (tasks?.find(t => t.id === 'crasher')?.restarts ?? 0) >= 80, {
		what: 'history: the crasher to restart 80 times',
		timeout: 60_000,
	});
	// Then jobs: some run, the rest wait for a slot (max_running 3).
	for (let n = 1; n <= 5; n++) {
		const run = await cli(home, 'run', '--name', `job${n}`, '--', 'sh', '-c', 'sleep 1000; true', marker);
		assert.equal(run.code, 0, run.err);
	}

	assert.equal((await cli(home, 'down')).code, 0);
	assert.equal(await daemon.exited, 0);

	const file = path.join(home, 'tm.db');
	const whole = folderSnapshot(home, 'tm.db');
	const nothing = await cli(home, 'db', 'recover', '--json');
	assert.equal(nothing.code, 0, nothing.err);
	assertSchema('db-recover', JSON.parse(nothing.out));
	assert.deepEqual(JSON.parse(nothing.out), {file, recovered: false});
	assert.deepEqual(folderSnapshot(home, 'tm.db'), whole, 'a whole tm.db is left as it is');

	const intact = path.join(dir, 'intact', 'tm.db');
	mkdirSync(path.dirname(intact));
	copyFileSync(file, intact);
	return {dir, intact};
}

type Damage = {
	/** Damages the file; returns what the refusal must name. */
	damage(file: string, pages: PageInfo[]): RegExp;
};

type Recovered = {home: string; report: RecoveryReport; was: ReturnType<typeof rowsOf>; now: ReturnType<typeof rowsOf>};

const escape = (text: string): string => text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);

/** A copy of the built home, damaged; refused untouched by `tm up`; recovered by `tm db recover`. */
async function damageRefuseRecover(built: {dir: string; intact: string}, {damage}: Damage): Promise<Recovered> {
	const dir = tempDir();
	const home = path.join(dir, 'home');
	mkdirSync(home);
	copyFileSync(path.join(built.dir, 'tm.yaml'), path.join(dir, 'tm.yaml'));
	const file = path.join(home, 'tm.db');
	copyFileSync(built.intact, file);
	const named = damage(file, pagesOf(built.intact));
	const damaged = folderSnapshot(home, 'tm.db');

	// As the issue did it: `tm up` in the background.
	const up = await cli(home, 'up', '--json');
	if (up.code === 0) {
		// It started on the damaged file: stop it before failing.
		process.kill((JSON.parse(up.out) as {pid: number}).pid, 'SIGTERM');
	}

	assert.equal(up.code, 1, up.out);
	const {error} = JSON.parse(up.err) as {error: {code: string; message: string}};
	assert.equal(error.code, 'E_STORE');
	assert.match(error.message, new RegExp(`^${escape(file)} is damaged \\(.*${named.source}.*\\): tm will not use it; \`tm db recover\``));
	assert.deepEqual(folderSnapshot(home, 'tm.db'), damaged, 'the refused file is byte for byte as it was, with no side file');

	const recovered = await cli(home, 'db', 'recover', '--json');
	assert.equal(recovered.code, 0, recovered.err);
	const report = JSON.parse(recovered.out) as RecoveryReport & {recovered: boolean};
	assertSchema('db-recover', report);
	assert.equal(report.recovered, true);
	assert.equal(folderSnapshot(home, path.basename(report.aside))[path.basename(report.aside)], damaged['tm.db'], 'the damaged file is kept aside as it was');
	return {home, report, was: rowsOf(built.intact), now: rowsOf(file)};
}

/** Every row kept is the row the daemon wrote; every row lost is accounted for by the report. */
function assertAccounted({report, was, now}: Recovered): void {
	const lostTasks = new Set(report.lostTasks ?? []);
	for (const table of Object.keys(tmTables) as TableName[]) {
		const summary = report.tables.find(t => t.table === table);
		assert.equal(summary?.kept, now[table].size, `${table}: kept`);
		for (const [key, row] of now[table]) {
			assert.deepEqual(row, was[table].get(key), `${table} ${key} is the row the daemon wrote`);
		}

		const lost = [...was[table].keys()].filter(key => !now[table].has(key));
		if (table === 'tasks') {
			assert.deepEqual(lost.sort(), [...lostTasks].sort(), 'the lost tasks are named');
			continue;
		}

		for (const key of lost) {
			const ofLostTask = lostTasks.has(was[table].get(key)?.['task_id'] as string);
			const inGap = typeof key === 'number' && (summary?.unreadable ?? []).some(gap => (gap.after ?? -Infinity) < key && key < (gap.before ?? Infinity));
			assert.ok(ofLostTask || inGap, `${table} ${key} lost without a word`);
		}
	}
}

/** A daemon on the recovered home: the surviving tasks with their counters, the surviving jobs queued again, lost jobs gone. */
async function assertDaemonComesBack({home, report, was, now}: Recovered): Promise<void> {
	const daemon = runTm(['up', '--foreground'], {cwd: path.dirname(home)});
	const jobs = [...now.tasks.values()].filter(row => row['kind'] === 'job').map(row => row['id'] as string);
	const tasks = await waitFor(async () => status(home), list => list !== null && ['web', 'crasher', ...jobs].every(id => list.some(t => t.id === id)), {
		what: 'the recovered tasks to be supervised',
		timeout: 15_000,
	}).catch(error => {
		throw new Error(`${(error as Error).message}\ndaemon stderr:\n${daemon.stderr()}`);
	});
	for (const id of jobs) {
		assert.ok(['queued', 'starting', 'running'].includes(tasks?.find(t => t.id === id)?.state ?? ''), `${id} is queued again`);
	}

	for (const id of report.lostTasks ?? []) {
		if (was.tasks.get(id)?.['kind'] === 'job') {
			assert.equal(tasks?.find(t => t.id === id), undefined, `lost job ${id} is gone`);
		}
	}

	const crasher = now.tasks.get('crasher');
	if (crasher !== undefined) {
		assert.ok((tasks?.find(t => t.id === 'crasher')?.restarts ?? 0) >= (crasher['restarts'] as number), 'the crasher counts on');
	}

	daemon.child.kill('SIGTERM');
	assert.equal(await daemon.exited, 0);
}

const history = /^(runs|events)/;

describe('a damaged tm.db is refused untouched, then recovered', {timeout: 180_000}, () => {
	let built: {dir: string; intact: string};
	before(async () => {
		built = await buildHome();
	});

	it('4 KiB of garbage over a page in the middle of the file', async () => {
		const recovered = await damageRefuseRecover(built, {
			damage(file, pages) {
				const middle = Math.floor(pages.length / 2);
				const target = [...pages].sort((a, b) => Math.abs(a.page - middle) - Math.abs(b.page - middle)).find(p => history.test(p.name));
				assert.ok(target, 'a history page');
				overwrite(file, (target.page - 1) * 4096, garbage(4096, 'middle'));
				return new RegExp(`page ${target.page} of ${target.name}`);
			},
		});
		assertAccounted(recovered);
		assert.deepEqual(recovered.report.lostTasks, [], 'no task was on that page');
		await assertDaemonComesBack(recovered);
	});

	it('the page type byte of a tasks page zeroed', async () => {
		const recovered = await damageRefuseRecover(built, {
			damage(file, pages) {
				const leaves = pages.filter(p => p.name === 'tasks' && p.type === 'leaf');
				const target = leaves.at(-1);
				assert.ok(target, 'a leaf of tasks');
				overwrite(file, (target.page - 1) * 4096, Buffer.from([0]));
				return new RegExp(`page ${target.page} of tasks`);
			},
		});
		assertAccounted(recovered);
		assert.ok((recovered.report.lostTasks ?? []).length > 0, 'the tasks on that page are named as lost');
		await assertDaemonComesBack(recovered);
	});

	it('the header garbled (the magic string kept): E_STORE, not E_INTERNAL', async () => {
		const recovered = await damageRefuseRecover(built, {
			damage(file) {
				overwrite(file, 20, garbage(80, 'header'));
				return /the header/;
			},
		});
		assert.ok(recovered.report.rebuilt !== null, 'page 1 was rebuilt');
		assertAccounted(recovered);
		assert.deepEqual(recovered.report.lostTasks, []);
		assert.ok(recovered.report.tables.every(t => t.read === t.kept && t.unreadable.length === 0), 'nothing lost');
		await assertDaemonComesBack(recovered);
	});

	it('the schema on page 1 garbled', async () => {
		const recovered = await damageRefuseRecover(built, {
			damage(file) {
				overwrite(file, 4096 - 1500, garbage(1500, 'schema'));
				return /page 1/;
			},
		});
		assert.ok(recovered.report.rebuilt !== null, 'page 1 was rebuilt');
		assertAccounted(recovered);
		assert.ok(recovered.report.tables.every(t => t.read === t.kept && t.unreadable.length === 0), 'nothing lost');
		await assertDaemonComesBack(recovered);
	});
});
