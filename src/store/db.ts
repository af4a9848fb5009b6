/**
 * Opening `tm.db`. A file that is damaged, another program's, or from a newer tm is refused
 * untouched: same bytes, same mtime, no `-wal`/`-shm` left behind. So the order is fixed:
 * judge the raw header with `fs`, open a readonly connection and judge again through SQLite
 * (which sees the WAL too; for the daemon, every page is checked: integrity.ts), and only then
 * open for writing, set pragmas and migrate, which are the first writes. The judging connection
 * is readonly because closing the last readwrite connection checkpoints the WAL into the file.
 */
import {rmSync, statSync, writeFileSync} from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type {Database} from 'better-sqlite3';
import {connect} from './addon.js';
import {inspectFile, type FileInspection} from './header.js';
import {describeDamage, findDamage} from './integrity.js';
import {migrate} from './migrations.js';
import {cannotOpen, cannotWrite, damagedDatabase, judgeIdentity, missingDatabase, notTmDatabase} from './store-errors.js';
import {TmError} from '../core/errors.js';

/** How long a statement waits for a lock another connection holds before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** How to open `tm.db`. */
export type OpenOptions = {
	/** Never write: no pragmas that write, no migration, and the file must exist at the latest version. */
	readonly?: boolean;
};

/** Why the raw header rules the file out, or null. Stale WAL-mode headers only err towards accepting. */
function judgeInspection(file: string, inspection: FileInspection): TmError | null {
	switch (inspection.kind) {
		case 'missing':
		case 'empty': {
			return null;
		}

		case 'not-a-database': {
			return notTmDatabase(file, inspection.detail);
		}

		case 'damaged': {
			return damagedDatabase(file, inspection.detail);
		}

		case 'sqlite': {
			const {header, size, walBytes} = inspection;
			const expected = header.pageCount === null ? 0 : header.pageCount * header.pageSize;
			// A checkpoint interrupted by a crash can leave the file short of its header while the WAL holds the rest.
			if (walBytes === 0 && size < expected) {
				return damagedDatabase(file, `truncated: the header counts ${header.pageCount} pages of ${header.pageSize} bytes but the file has ${size} bytes`);
			}

			const hasSchema = header.schemaCookie !== 0;
			return judgeIdentity(file, {applicationId: header.applicationId, userVersion: header.userVersion, hasSchema}, false);
		}
	}
}

const isSqliteError = (error: unknown, prefix: string): error is Error & {code: string} =>
	error instanceof BetterSqlite3.SqliteError && error.code.startsWith(prefix);

/**
 * Reads what identifies the file, through SQLite (the first reads of the file, and no writes);
 * with `check`, then every page.
 */
function judgeOpened(db: Database, file: string, readonly: boolean, check: boolean): TmError | null {
	try {
		const applicationId = (db.pragma('application_id', {simple: true}) as number) >>> 0;
		const userVersion = db.pragma('user_version', {simple: true}) as number;
		const names = db.prepare('SELECT name FROM sqlite_master').pluck().all();
		const refusal = judgeIdentity(file, {applicationId, userVersion, hasSchema: names.length > 0}, readonly);
		const damage = refusal === null && check ? findDamage(db) : [];
		return refusal ?? (damage.length > 0 ? damagedDatabase(file, describeDamage(damage)) : null);
	} catch (error) {
		if (isSqliteError(error, 'SQLITE_NOTADB')) {
			return notTmDatabase(file, 'file is not a database', error);
		}

		if (isSqliteError(error, 'SQLITE_CORRUPT')) {
			return damagedDatabase(file, `page 1, the schema: ${error.message}`, error);
		}

		return cannotOpen(file, error);
	}
}

function exists(path: string): boolean {
	try {
		statSync(path);
		return true;
	} catch {
		return false;
	}
}

/**
 * Removes the `-wal`/`-shm` files that opening created, when the WAL is empty. A readwrite
 * connection does this itself on close; a readonly one leaves them behind. With `alone`, the
 * `-shm` it created goes even beside a WAL: no other connection shares it (a refused file, or
 * one recovery judges with the daemon down); any other time the daemon may be opening it.
 */
function removeSideFilesWeCreated(file: string, before: {wal: boolean; shm: boolean}, alone = false): void {
	const wal = `${file}-wal`;
	if (!before.wal && exists(wal) && statSync(wal).size === 0) {
		rmSync(wal, {force: true});
	}

	if (!before.shm && (alone || !exists(wal))) {
		rmSync(`${file}-shm`, {force: true});
	}
}

/** The first writes: pragmas, then migrations up to the latest schema. */
function prepareForWriting(db: Database): void {
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	db.pragma('foreign_keys = ON');
	db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
	migrate(db);
}

/** Creates an empty `file` (mode 0600) unless something is there already. */
function createEmpty(file: string): void {
	try {
		writeFileSync(file, '', {mode: 0o600, flag: 'wx'});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
			throw cannotOpen(file, error);
		}
	}
}

/**
 * A readonly connection to a file tm may use, judged through SQLite (and with `check`, every
 * page); a refused file is closed again, with the side files the connection created removed.
 */
function judgedReader(file: string, readonly: boolean, check: boolean): Database {
	const sideFiles = {wal: exists(`${file}-wal`), shm: exists(`${file}-shm`)};
	let db: Database;
	try {
		db = connect(file, {readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS});
	} catch (error) {
		throw cannotOpen(file, error);
	}

	const refusal = judgeOpened(db, file, readonly, check);
	if (refusal) {
		db.close();
		removeSideFilesWeCreated(file, sideFiles, true);
		throw refusal;
	}

	return db;
}

/**
 * Opens `tm.db`, refusing a file that is not tm's, or is damaged, without touching it.
 *
 * Readwrite (the daemon): creates the file (mode 0600) if needed, checks every page
 * (integrity.ts), switches to WAL with `synchronous = NORMAL` and foreign keys on, and migrates
 * to the latest schema. Readonly (the CLI while the daemon is down or up): the file must exist
 * and be at the latest schema already; its pages are read as queries need them.
 *
 * @throws TmError `E_STORE` naming the file: missing (readonly), not a database, damaged (with
 *   the fix: `tm db recover`), another program's (application_id), written by a newer tm, at an
 *   older schema (readonly), or SQLite failed to open or migrate it.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
	const readonly = options.readonly === true;
	let inspection: FileInspection;
	try {
		inspection = inspectFile(file);
	} catch (error) {
		throw cannotOpen(file, error);
	}

	if (inspection.kind === 'missing') {
		if (readonly) {
			throw missingDatabase(file);
		}

		createEmpty(file);
	}

	const early = judgeInspection(file, inspection);
	if (early) {
		throw early;
	}

	const reader = judgedReader(file, readonly, !readonly);
	if (readonly) {
		return reader;
	}

	// Its side files stay for the writer, which removes them when it closes.
	reader.close();
	let db: Database;
	try {
		db = connect(file, {fileMustExist: true, timeout: BUSY_TIMEOUT_MS});
	} catch (error) {
		throw cannotOpen(file, error);
	}

	try {
		prepareForWriting(db);
	} catch (error) {
		db.close();
		throw cannotWrite(file, error);
	}

	return db;
}

/**
 * The daemon's judgement of `file` (header, identity, every page), with no write and no side
 * file left behind, for `tm db recover` with the daemon down: null when the daemon would use it.
 */
export function judgeDatabase(file: string): TmError | null {
	let inspection: FileInspection;
	try {
		inspection = inspectFile(file);
	} catch (error) {
		return cannotOpen(file, error);
	}

	if (inspection.kind === 'missing') {
		return missingDatabase(file);
	}

	const early = judgeInspection(file, inspection);
	if (early) {
		return early;
	}

	const sideFiles = {wal: exists(`${file}-wal`), shm: exists(`${file}-shm`)};
	try {
		judgedReader(file, false, true).close();
	} catch (error) {
		return error instanceof TmError ? error : cannotOpen(file, error);
	}

	removeSideFilesWeCreated(file, sideFiles, true);
	return null;
}
