/**
 * A copy of a damaged tm.db that recovery may read however it needs to (SQLite writes a
 * `-shm` beside a WAL it reads, and replays the WAL): the damaged file itself is never opened.
 * When even the copy's header or schema cannot be read, its first page is rebuilt from a fresh
 * tm.db's: tm creates its tables in the same order on every home, so their b-trees start on the
 * same pages, and a rebuilt schema finds the rows where they are.
 */
import {copyFileSync, existsSync, openSync, readSync, closeSync, rmSync, statSync, writeSync} from 'node:fs';
import path from 'node:path';
import type {Database} from 'better-sqlite3';
import {TmError} from '../core/errors.js';
import {connect} from './addon.js';
import {parseHeader} from './header.js';
import {migrate} from './migrations.js';

/** tm never sets `page_size`: SQLite's default since 3.12. */
const DEFAULT_PAGE_SIZE = 4096;

/** The copy, open, and what had to be rebuilt to read it (null: nothing). */
export type Scratch = {db: Database; rebuilt: string | null};

/** Whether SQLite reads the schema and version of `db`. */
function readable(db: Database): boolean {
	try {
		db.prepare('SELECT name FROM sqlite_master').all();
		db.pragma('user_version');
		return true;
	} catch {
		return false;
	}
}

function tryOpen(file: string): Database | null {
	let db: Database | null = null;
	try {
		db = connect(file, {fileMustExist: true});
		if (readable(db)) {
			return db;
		}
	} catch {
		// Not even a header SQLite accepts.
	}

	db?.close();
	return null;
}

function readBytes(file: string, length: number, position = 0): Buffer {
	const bytes = Buffer.alloc(length);
	const fd = openSync(file, 'r');
	try {
		readSync(fd, bytes, 0, length, position);
	} finally {
		closeSync(fd);
	}

	return bytes;
}

/** The first page of a fresh tm.db at the latest schema, with this page size. */
function freshFirstPage(folder: string, pageSize: number): Buffer {
	const file = path.join(folder, 'fresh.db');
	const db = connect(file);
	try {
		db.pragma(`page_size = ${pageSize}`);
		migrate(db);
	} finally {
		db.close();
	}

	return readBytes(file, pageSize);
}

/**
 * Writes a fresh tm.db's first page over the copy's, counting the copy's pages in its header;
 * `wal`: the header says WAL mode, so SQLite replays the copied `-wal` (whose frames win).
 */
function graftFirstPage(copy: string, folder: string, wal: boolean): void {
	const header = parseHeader(readBytes(copy, 100));
	const pageSize = header.ok ? header.value.pageSize : DEFAULT_PAGE_SIZE;
	const page = freshFirstPage(folder, pageSize);
	page.writeUInt32BE(Math.floor(statSync(copy).size / pageSize), 28);
	page.writeUInt8(wal ? 2 : 1, 18);
	page.writeUInt8(wal ? 2 : 1, 19);
	const fd = openSync(copy, 'r+');
	try {
		writeSync(fd, page, 0, page.length, 0);
	} finally {
		closeSync(fd);
	}
}

/**
 * Copies `file` (and its `-wal`) into `folder` and opens the copy, rebuilding its first page when
 * SQLite cannot read its header or schema: first keeping the WAL, then without it.
 *
 * @throws TmError `E_STORE` when no rebuilt first page makes the copy readable.
 */
export function openScratch(file: string, folder: string): Scratch {
	const copy = path.join(folder, 'damaged.db');
	copyFileSync(file, copy);
	const hasWal = existsSync(`${file}-wal`);
	if (hasWal) {
		copyFileSync(`${file}-wal`, `${copy}-wal`);
	}

	const asIs = tryOpen(copy);
	if (asIs !== null) {
		return {db: asIs, rebuilt: null};
	}

	for (const wal of hasWal ? [true, false] : [false]) {
		rmSync(`${copy}-shm`, {force: true});
		if (!wal) {
			rmSync(`${copy}-wal`, {force: true});
		}

		graftFirstPage(copy, folder, wal);
		const db = tryOpen(copy);
		if (db !== null) {
			const without = hasWal && !wal ? ', without its -wal file' : '';
			return {db, rebuilt: `its header or schema (page 1) could not be read: rebuilt from a fresh tm.db's${without}`};
		}
	}

	throw new TmError('E_STORE', `cannot read ${file}, even with its first page rebuilt: nothing can be recovered from it`);
}
