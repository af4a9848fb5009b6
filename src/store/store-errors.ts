/**
 * The E_STORE errors, in words that name the file and say what to do: why tm will not use a
 * database file (the same judgement applies to what the raw header says and to what SQLite
 * reports), and reads and writes SQLite refused.
 */
import BetterSqlite3 from 'better-sqlite3';
import {messageOf, TmError} from '../core/errors.js';
import {LATEST_VERSION, TM_APPLICATION_ID} from './migrations.js';

/** What identifies a database file as tm's, at which version. */
export type Identity = {
	/** Unsigned. */
	applicationId: number;
	userVersion: number;
	/** The file holds (or once held) tables, indexes or views. */
	hasSchema: boolean;
};

const hex = (id: number): string => `0x${(id >>> 0).toString(16).padStart(8, '0')}`;

/** Why tm will not use a database file: none, not tm's, damaged, or at a schema version this open cannot use. */
export type RefusalReason = 'missing' | 'foreign' | 'damaged' | 'newer' | 'older';

/** An E_STORE refusal of a whole file, with its reason (recovery acts on damaged files only). */
export class StoreRefusal extends TmError {
	readonly reason: RefusalReason;
	/** What is wrong with the file, without the file's name or the fix. */
	readonly detail: string;

	constructor(reason: RefusalReason, message: string, options: {detail?: string; cause?: unknown} = {}) {
		super('E_STORE', message, {cause: options.cause});
		this.reason = reason;
		this.detail = options.detail ?? message;
	}
}

/** The readonly open of a home where the daemon never ran. */
export function missingDatabase(file: string): StoreRefusal {
	return new StoreRefusal('missing', `no database at ${file}: the daemon has not run with this home yet (start it with \`tm up\`)`);
}

/** A file that is not SQLite at all. */
export function notTmDatabase(file: string, detail: string, cause?: unknown): StoreRefusal {
	return new StoreRefusal('foreign', `${file} is not a tm database (${detail}): refusing to touch it; move it away or pick another --home`, {detail, cause});
}

/** What to do about a damaged tm.db, in every message that reports one. */
export const recoverHint = '`tm db recover` (with the same home) rebuilds it from what can still be read and keeps this file aside';

/** A tm.db whose pages (or header) are damaged: a disk fault, a bad copy, a write by something else. */
export function damagedDatabase(file: string, detail: string, cause?: unknown): StoreRefusal {
	return new StoreRefusal('damaged', `${file} is damaged (${detail}): tm will not use it; ${recoverHint}`, {detail, cause});
}

const isCorruption = (error: unknown): boolean => error instanceof BetterSqlite3.SqliteError && error.code.startsWith('SQLITE_CORRUPT');

/** An error SQLite raised while opening or reading, other than corruption. */
export function cannotOpen(file: string, cause: unknown): TmError {
	return new TmError('E_STORE', `cannot open ${file}: ${messageOf(cause)}`, {cause});
}

/**
 * Judges a file that SQLite can read.
 *
 * @param readonly A readonly open also needs the schema at exactly the latest version, since it
 *   cannot migrate.
 * @returns The reason to refuse the file, or null when tm may use it.
 */
export function judgeIdentity(file: string, identity: Identity, readonly: boolean): TmError | null {
	const {applicationId, userVersion, hasSchema} = identity;
	if (applicationId !== TM_APPLICATION_ID && (applicationId !== 0 || hasSchema || userVersion !== 0)) {
		return new StoreRefusal('foreign', `${file} belongs to another program (application_id ${hex(applicationId)}): refusing to touch it`);
	}

	if (userVersion < 0) {
		return damagedDatabase(file, `schema version ${userVersion}`);
	}

	if (userVersion > LATEST_VERSION) {
		return new StoreRefusal(
			'newer',
			`${file} was written by a newer tm (schema version ${userVersion}; this tm knows up to ${LATEST_VERSION}): refusing to touch it; upgrade tm`,
		);
	}

	if (readonly && userVersion < LATEST_VERSION) {
		return new StoreRefusal(
			'older',
			`${file} has schema version ${userVersion} and this tm reads version ${LATEST_VERSION}: start the daemon once (\`tm up\`) to upgrade it`,
		);
	}

	return null;
}

/** A write SQLite refused (full disk, I/O error, read-only file, busy…): the caller may retry. */
export function cannotWrite(file: string, cause: unknown): TmError {
	const hint = isCorruption(cause) ? `; it is damaged: with the daemon down, ${recoverHint}` : '';
	return new TmError('E_STORE', `cannot write ${file}: ${messageOf(cause)}${hint}`, {cause});
}

/** A read SQLite failed, after the file was accepted. */
export function cannotRead(file: string, cause: unknown): TmError {
	const hint = isCorruption(cause) ? `; it is damaged: with the daemon down, ${recoverHint}` : '';
	return new TmError('E_STORE', `cannot read ${file}: ${messageOf(cause)}${hint}`, {cause});
}

/**
 * Runs `work`, turning an SQLite failure into the E_STORE error `wrap` makes; anything else (a
 * bug, not the file) goes through as is.
 */
export function guardSqlite<T>(work: () => T, wrap: (error: unknown) => TmError): T {
	try {
		return work();
	} catch (error) {
		throw error instanceof BetterSqlite3.SqliteError ? wrap(error) : error;
	}
}
