/**
 * `tm db recover`: a fresh tm.db rebuilt from what a damaged one still holds, the damaged file
 * kept aside. The damaged file is only copied (scratch.ts); each table is read around its
 * damaged pages (salvage.ts) into a new file at the copy's schema version, which is then
 * migrated, and rows this tm cannot read back are dropped (with a task, its runs and events).
 * The new file passes the daemon's own open (every page checked) before it takes tm.db's place.
 * Only with the daemon down: the command checks that no daemon answers on the home's socket.
 */
import {closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type {Database} from 'better-sqlite3';
import {messageOf, TmError} from '../core/errors.js';
import {connect} from './addon.js';
import {judgeDatabase, openDatabase} from './db.js';
import {eventFromRow, type EventSql} from './mappers.js';
import {LATEST_VERSION, migrate, schemaVersion} from './migrations.js';
import {prepareReads} from './reads.js';
import {openScratch} from './scratch.js';
import {salvageTable, type Gap} from './salvage.js';
import {StoreRefusal} from './store-errors.js';

/** What became of one table. */
export type TableReport = {
	table: string;
	/** Rows read from the damaged file. */
	read: number;
	/** Rows in the new file. */
	kept: number;
	/** Stretches of rows that could not be read, by the rowids on either side (`id` for runs and events). */
	unreadable: Gap[];
	/** Why rows that were read were not kept (the first few). */
	dropped: string[];
};

/** What `tm db recover` did. */
export type RecoveryReport = {
	file: string;
	/** Where the damaged file (and its `-wal`/`-shm`) now is. */
	aside: string;
	/** What the daemon's check found (the first problem), or that it found nothing (`--force`). */
	damage: string;
	/** What had to be rebuilt before anything could be read, or null. */
	rebuilt: string | null;
	tables: TableReport[];
	/** Tasks the damaged file's index of task ids names and the new file lacks; null when that index could not be read. */
	lostTasks: string[] | null;
};

export type RecoverOptions = {
	/** Rebuild even a file the daemon would use, or one that is not recognisably tm's. */
	force?: boolean;
	/** Names the aside file. */
	now: Date;
};

/** Rows written per transaction. */
const BATCH = 10_000;
/** Reasons kept per table. */
const MAX_REASONS = 5;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function columnsOf(db: Database, table: string): string[] {
	return db.prepare<[], {name: string}>(`PRAGMA table_info(${quote(table)})`).all().map(column => column.name);
}

/** tm's tables, in the order they were created: every table a foreign key names comes first. */
function tablesOf(db: Database): string[] {
	return db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rootpage").pluck().all();
}

function noteReason(reasons: string[], reason: string): void {
	if (reasons.length < MAX_REASONS && !reasons.includes(reason)) {
		reasons.push(reason);
	}
}

/** Copies what can be read of `table` from `source` into `target`, in batches. */
function copyTable(source: Database, target: Database, table: string): TableReport {
	const wanted = new Set(columnsOf(source, table));
	const columns = columnsOf(target, table).filter(column => wanted.has(column));
	const insert = target.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
	const report: TableReport = {table, read: 0, kept: 0, unreadable: [], dropped: []};
	target.exec('BEGIN');
	try {
		report.unreadable = salvageTable(source, table, columns, row => {
			report.read++;
			try {
				insert.run(...row.slice(1));
			} catch (error) {
				if (!(error instanceof BetterSqlite3.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT'))) {
					throw error;
				}

				noteReason(report.dropped, error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ? 'its task was lost' : error.message);
			}

			if (report.read % BATCH === 0) {
				target.exec('COMMIT; BEGIN');
			}
		});
		target.exec('COMMIT');
	} catch (error) {
		target.exec('ROLLBACK');
		throw error;
	}

	return report;
}

/**
 * Rows of a damaged page SQLite still decodes may hold values of the wrong type: a run or an
 * event whose SQL types are not the schema's is dropped. Tasks are judged by their mapper.
 */
const mistyped = {
	runs: `typeof(task_id) != 'text' OR typeof(attempt) != 'integer' OR typeof(pid) != 'integer' OR typeof(boot_id) != 'text'
		OR typeof(started_at) != 'integer' OR typeof(ended_at) NOT IN ('integer', 'null')`,
	events: "typeof(task_id) NOT IN ('text', 'null') OR typeof(at) != 'integer' OR typeof(type) != 'text' OR typeof(data) != 'text'",
} as const;

/** Drops the rows this tm cannot read back: tasks (with their runs and events, by cascade), runs and events. */
function dropUnreadable(db: Database, file: string, reports: Map<string, TableReport>): void {
	for (const [table, where] of Object.entries(mistyped)) {
		if (db.prepare(`DELETE FROM ${table} WHERE ${where}`).run().changes > 0) {
			noteReason(reports.get(table)?.dropped ?? [], 'values of the wrong type');
		}
	}

	const deleteTask = db.prepare('DELETE FROM tasks WHERE id = ?');
	for (const task of badTasks(db, file)) {
		deleteTask.run(task.id);
		noteReason(reports.get('tasks')?.dropped ?? [], task.message);
	}

	const bad: number[] = [];
	for (const row of db.prepare<[], EventSql>('SELECT * FROM events').iterate()) {
		const event = eventFromRow(row);
		if (!event.ok) {
			bad.push(row.id);
			noteReason(reports.get('events')?.dropped ?? [], event.error.message);
		}
	}

	const deleteEvent = db.prepare('DELETE FROM events WHERE id = ?');
	db.transaction(() => bad.forEach(id => deleteEvent.run(id)))();
}

function badTasks(db: Database, file: string): Array<{id: string; message: string}> {
	const bad: Array<{id: string; message: string}> = [];
	prepareReads(db, file).tasks(problem => bad.push(problem));
	return bad;
}

/** The task ids the damaged file's index of tasks holds (it may be whole when the table is not), or null. */
function indexedTaskIds(source: Database): string[] | null {
	const ids: string[] = [];
	try {
		for (const id of source.prepare<[], string>('SELECT id FROM tasks ORDER BY id').pluck().iterate()) {
			ids.push(id);
		}
	} catch {
		return null;
	}

	return ids;
}

/** Builds the new file in `folder` from `source`; returns the per-table reports and the tasks lost. */
function rebuild(source: Database, target: string): {tables: TableReport[]; lostTasks: string[] | null} {
	const version = schemaVersion(source);
	if (version > LATEST_VERSION || version < 1) {
		throw new TmError('E_STORE', `the damaged file says schema version ${version}; this tm rebuilds versions 1 to ${LATEST_VERSION}`);
	}

	closeSync(openSync(target, 'wx', 0o600));
	const db = connect(target);
	try {
		migrate(db, version);
		db.pragma('foreign_keys = ON');
		const reports = new Map(tablesOf(db).map(table => [table, copyTable(source, db, table)]));
		migrate(db);
		dropUnreadable(db, target, reports);
		const kept = new Map(tablesOf(db).map(table => [table, db.prepare<[], number>(`SELECT count(*) FROM ${quote(table)}`).pluck().get() ?? 0]));
		for (const report of reports.values()) {
			report.kept = kept.get(report.table) ?? 0;
		}

		const have = new Set(db.prepare<[], string>('SELECT id FROM tasks').pluck().all());
		const lostTasks = indexedTaskIds(source)?.filter(id => !have.has(id)) ?? null;
		return {tables: [...reports.values()], lostTasks};
	} finally {
		db.close();
	}
}

/** `tm.db.damaged-20250102T030405Z`, or with `-2`, `-3`… when that name is taken. */
function asideName(file: string, now: Date): string {
	const stamp = now.toISOString().replaceAll(/[-:]|\.\d+/g, '');
	for (let n = 1; ; n++) {
		const name = `${file}.damaged-${stamp}${n === 1 ? '' : `-${n}`}`;
		if (!existsSync(name) && !existsSync(`${name}-wal`)) {
			return name;
		}
	}
}

/** The damaged file and its side files to `aside`, then the new file to `file`. */
function swap(file: string, aside: string, rebuilt: string): void {
	renameSync(file, aside);
	for (const suffix of ['-wal', '-shm']) {
		if (existsSync(`${file}${suffix}`)) {
			renameSync(`${file}${suffix}`, `${aside}${suffix}`);
		}
	}

	renameSync(rebuilt, file);
}

/** Why `file` should be rebuilt, null when it is whole, or the error that says why not. */
function damageOf(file: string, force: boolean): string | null {
	const verdict = judgeDatabase(file);
	if (verdict === null) {
		return force ? 'none found by the check (--force)' : null;
	}

	const reason = verdict instanceof StoreRefusal ? verdict.reason : null;
	if (verdict instanceof StoreRefusal && (reason === 'damaged' || (force && reason === 'foreign'))) {
		return verdict.detail;
	}

	throw reason === 'foreign' ? new TmError('E_STORE', `${verdict.message} (if it is a damaged tm.db, \`tm db recover --force\` rebuilds what it can read)`) : verdict;
}

/**
 * Rebuilds `file` from what can be read of it and keeps the damaged file aside. The daemon must
 * be down (the caller checks).
 *
 * @returns What was done, or null when the file is whole (every page checked) and not `force`:
 *   then nothing was done.
 * @throws TmError `E_STORE`: no file; another program's (unless `force`) or a newer tm's;
 *   nothing readable; or SQLite failed to write the new file.
 */
export function recoverDatabase(file: string, options: RecoverOptions): RecoveryReport | null {
	const damage = damageOf(file, options.force === true);
	if (damage === null) {
		return null;
	}

	const folder = mkdtempSync(path.join(path.dirname(file), '.tm-recover-'));
	try {
		const scratch = openScratch(file, folder);
		const target = path.join(folder, 'tm.db');
		let result;
		try {
			result = rebuild(scratch.db, target);
		} finally {
			scratch.db.close();
		}

		// The daemon's own open: every page checked, WAL mode; closed cleanly, with no side files.
		openDatabase(target).close();
		const aside = asideName(file, options.now);
		swap(file, aside, target);
		return {file, aside, damage, rebuilt: scratch.rebuilt, ...result};
	} catch (error) {
		throw error instanceof TmError ? error : new TmError('E_STORE', `cannot recover ${file}: ${messageOf(error)}`, {cause: error});
	} finally {
		rmSync(folder, {recursive: true, force: true});
	}
}
