import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {recoverDatabase} from '../../../src/store/recover.js';
import {salvageTable} from '../../../src/store/salvage.js';
import {Store} from '../../../src/store/store.js';
import {overwrite, pagesOf, type PageInfo} from '../../helpers/damage.js';
import {makeEvent, makeRunStart, makeTask, tempHome} from '../../helpers/store-fixtures.js';

const home = tempHome();
after(home.cleanup);
let files = 0;
const nextFile = (): string => `${home.dir}/db-${++files}.db`;
const now = new Date('2025-01-02T03:04:05.678Z');
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** 40 tasks, a run each, 3000 events: many leaves of events, several of tasks. */
function realTmDb(): string {
	const file = nextFile();
	const store = Store.open(file);
	const tasks = Array.from({length: 40}, (_, index) => makeTask(`t${index}`, {queueSeq: index}));
	const events = Array.from({length: 3000}, (_, index) => makeEvent(`t${index % 40}`, index));
	store.writeBatch({tasks, runStarts: tasks.map((task, index) => makeRunStart(task.id, 1000 + index)), runEnds: [], events});
	store.close();
	return file;
}

type Cells = PageInfo & {ncell: number};

function leaves(file: string, table: string): Cells[] {
	const db = new BetterSqlite3(file, {readonly: true});
	try {
		return db.prepare<[string], Cells>("SELECT pageno AS page, name, pagetype AS type, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table);
	} finally {
		db.close();
	}
}

const zeroType = (file: string, page: number): void => overwrite(file, (page - 1) * 4096, Buffer.from([0]));

function salvageEvents(file: string): {ids: number[]; gaps: ReturnType<typeof salvageTable>} {
	const db = new BetterSqlite3(file, {readonly: true});
	try {
		const ids: number[] = [];
		const gaps = salvageTable(db, 'events', ['id', 'data'], row => ids.push(row[0]));
		return {ids, gaps};
	} finally {
		db.close();
	}
}

describe('salvageTable reads around damaged pages', () => {
	it('a whole table: every row, no gap', () => {
		const {ids, gaps} = salvageEvents(realTmDb());
		assert.equal(ids.length, 3000);
		assert.deepEqual(gaps, []);
	});

	it('two damaged leaves: exactly their rows are lost, each stretch reported between the rows read on either side', () => {
		const file = realTmDb();
		const all = leaves(file, 'events');
		const hit = [all[3]!, all[all.length - 4]!];
		for (const leaf of hit) {
			zeroType(file, leaf.page);
		}

		const {ids, gaps} = salvageEvents(file);
		assert.equal(ids.length, 3000 - hit[0]!.ncell - hit[1]!.ncell);
		assert.equal(gaps.length, 2);
		const lost = Array.from({length: 3000}, (_, index) => index + 1).filter(id => !ids.includes(id));
		for (const id of lost) {
			assert.ok(gaps.some(gap => (gap.after ?? 0) < id && id < (gap.before ?? Infinity)), `id ${id} is in a reported stretch`);
		}

		assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in rowid order, each once');
	});

	it('the first and the last leaf', () => {
		const file = realTmDb();
		const all = leaves(file, 'events');
		zeroType(file, all[0]!.page);
		zeroType(file, all.at(-1)!.page);
		const {ids, gaps} = salvageEvents(file);
		assert.equal(ids.length, 3000 - all[0]!.ncell - all.at(-1)!.ncell);
		assert.equal(gaps[0]?.after, null);
		assert.equal(gaps.at(-1)?.before, null);
	});

	it('the root page: nothing can be read, one stretch from end to end', () => {
		const file = realTmDb();
		const root = pagesOf(file).find(page => page.name === 'events' && page.type === 'internal');
		assert.ok(root);
		const db = new BetterSqlite3(file, {readonly: true});
		const rootPage = db.prepare<[], number>("SELECT rootpage FROM sqlite_master WHERE name = 'events'").pluck().get();
		db.close();
		zeroType(file, rootPage ?? 0);
		assert.deepEqual(salvageEvents(file), {ids: [], gaps: [{after: null, before: null}]});
	});
});

describe('recoverDatabase', () => {
	it('a lost tasks page: the tasks on it named, their runs and events dropped with the reason, the rest kept, the damaged file aside', () => {
		const file = realTmDb();
		const hit = leaves(file, 'tasks').at(-1)!;
		zeroType(file, hit.page);
		const damaged = sha(file);
		const report = recoverDatabase(file, {now});
		assert.ok(report);
		assert.equal(report.aside, `${file}.damaged-20250102T030405Z`);
		assert.equal(sha(report.aside), damaged);
		assert.match(report.damage, new RegExp(`^page ${hit.page} of tasks: `));
		assert.equal(report.lostTasks?.length, hit.ncell);
		const store = Store.open(file);
		try {
			const kept = store.loadTasks().map(task => task.id);
			assert.equal(kept.length, 40 - hit.ncell);
			assert.deepEqual([...kept, ...(report.lostTasks ?? [])].sort(), Array.from({length: 40}, (_, index) => `t${index}`).sort());
			const events = report.tables.find(table => table.table === 'events');
			assert.equal(events?.kept, store.counts().events);
			assert.equal(events?.read, 3000);
			assert.deepEqual(events?.dropped, ['its task was lost']);
			assert.equal(store.counts().runs, 40 - hit.ncell, 'one run per task kept');
		} finally {
			store.close();
		}
	});

	it('rows SQLite decodes with values of the wrong type are dropped and said so', () => {
		const file = realTmDb();
		const db = new BetterSqlite3(file);
		db.prepare("INSERT INTO runs (task_id, attempt, pid, boot_id, started_at) VALUES ('t1', 1, 'not a pid', 'b', 1)").run();
		db.close();
		const events = leaves(file, 'events');
		zeroType(file, events[1]!.page);
		const report = recoverDatabase(file, {now});
		const runs = report?.tables.find(table => table.table === 'runs');
		assert.deepEqual([runs?.read, runs?.kept, runs?.dropped], [41, 40, ['values of the wrong type']]);
	});

	it('a whole file: nothing done, unless --force', () => {
		const file = realTmDb();
		const before = sha(file);
		assert.equal(recoverDatabase(file, {now}), null);
		assert.equal(sha(file), before);
		assert.equal(existsSync(`${file}-wal`) || existsSync(`${file}-shm`), false, 'no side file left behind');
		const forced = recoverDatabase(file, {now, force: true});
		assert.equal(forced?.damage, 'none found by the check (--force)');
		assert.ok(forced?.tables.every(table => table.read === table.kept && table.unreadable.length === 0));
	});

	it('not a database: refused with the way to try anyway; no file: refused', () => {
		const file = nextFile();
		writeFileSync(file, 'notes, not a database\n'.repeat(300));
		assert.throws(() => recoverDatabase(file, {now}), {code: 'E_STORE', message: /is not a tm database .*`tm db recover --force` rebuilds what it can read/});
		assert.throws(() => recoverDatabase(file, {now, force: true}), {code: 'E_STORE', message: /cannot read .*even with its first page rebuilt/});
		assert.equal(readFileSync(file, 'utf8'), 'notes, not a database\n'.repeat(300));
		assert.throws(() => recoverDatabase(`${home.dir}/nothing.db`, {now}), {code: 'E_STORE', message: /^no database at /});
	});
});
