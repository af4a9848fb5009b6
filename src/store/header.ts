/**
 * The first 100 bytes of a database file, read with plain `fs` before SQLite ever opens it, so a
 * corrupt, foreign or newer file can be refused without SQLite creating `-wal`/`-shm` files next
 * to it or replaying a journal into it. See https://www.sqlite.org/fileformat.html#the_database_header.
 */
import {closeSync, openSync, readSync, statSync} from 'node:fs';
import {err, ok, type Result} from '../core/errors.js';

const HEADER_BYTES = 100;
const MAGIC = 'SQLite format 3\u0000';

/** What the header of an SQLite file says. */
export type FileHeader = {
	pageSize: number;
	/** The page count the header records, or null when the header marks it as stale. */
	pageCount: number | null;
	/** Bumped on every schema change: 0 means no table, index or view was ever created. */
	schemaCookie: number;
	userVersion: number;
	/** Unsigned. */
	applicationId: number;
	/** The file was last written in WAL mode. */
	wal: boolean;
};

/** Why a header rules the file out: not SQLite at all, or SQLite's header with impossible fields. */
export type HeaderProblem = {kind: 'not-a-database' | 'damaged'; detail: string};

/** A file on disk as seen before opening it. */
export type FileInspection =
	| {kind: 'missing'}
	| {kind: 'empty'}
	| HeaderProblem
	| {kind: 'sqlite'; header: FileHeader; size: number; walBytes: number};

const foreign = (detail: string): Result<never, HeaderProblem> => err({kind: 'not-a-database', detail});
const damaged = (detail: string): Result<never, HeaderProblem> => err({kind: 'damaged', detail});

/** Fields every SQLite header holds one value of (SQLite refuses others), in words, or null. */
function impossibleField(buffer: Buffer): string | null {
	const fractions = [buffer.readUInt8(21), buffer.readUInt8(22), buffer.readUInt8(23)];
	if (fractions.join('/') !== '64/32/32') {
		return `the header's payload fractions are ${fractions.join('/')}, always 64/32/32`;
	}

	// Both are 0 only in a file that never held a table.
	const schemaFormat = buffer.readUInt32BE(44);
	const encoding = buffer.readUInt32BE(56);
	const empty = buffer.readUInt32BE(40) === 0;
	if (!(schemaFormat >= 1 && schemaFormat <= 4) && !(empty && schemaFormat === 0)) {
		return `schema format ${schemaFormat} in the header, not 1 to 4`;
	}

	if (!(encoding >= 1 && encoding <= 3) && !(empty && encoding === 0)) {
		return `text encoding ${encoding} in the header, not 1 to 3`;
	}

	return null;
}

/**
 * Parses an SQLite header.
 *
 * @param bytes The first 100 bytes (or fewer, which is an error) of the file.
 * @returns The header, or in words why these bytes are not one: not SQLite's, or SQLite's damaged.
 */
export function parseHeader(bytes: Uint8Array): Result<FileHeader, HeaderProblem> {
	if (bytes.length < HEADER_BYTES) {
		return foreign(`file is not a database: ${bytes.length} bytes, shorter than an SQLite header`);
	}

	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
		return foreign('file is not a database');
	}

	const rawPageSize = buffer.readUInt16BE(16);
	const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
	if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) {
		return damaged(`page size ${rawPageSize} in the header`);
	}

	const writeVersion = buffer.readUInt8(18);
	const readVersion = buffer.readUInt8(19);
	if (readVersion !== 1 && readVersion !== 2) {
		return damaged(`file format version ${writeVersion}/${readVersion} in the header`);
	}

	const impossible = impossibleField(buffer);
	if (impossible !== null) {
		return damaged(impossible);
	}

	const changeCounter = buffer.readUInt32BE(24);
	const recordedPages = buffer.readUInt32BE(28);
	const validFor = buffer.readUInt32BE(92);
	return ok({
		pageSize,
		pageCount: recordedPages > 0 && validFor === changeCounter ? recordedPages : null,
		schemaCookie: buffer.readUInt32BE(40),
		userVersion: buffer.readInt32BE(60),
		applicationId: buffer.readUInt32BE(68),
		wal: readVersion === 2,
	});
}

/** Size in bytes, or -1 when there is no such file. */
function sizeOf(file: string): number {
	try {
		return statSync(file).size;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return -1;
		}

		throw error;
	}
}

/**
 * Reads the header of `file` and what it takes to judge it, opening it for reading only.
 *
 * @returns `missing`, `empty` (SQLite treats it as a new database), `not-a-database`, or the header.
 */
export function inspectFile(file: string): FileInspection {
	const size = sizeOf(file);
	if (size < 0) {
		return {kind: 'missing'};
	}

	if (size === 0) {
		return {kind: 'empty'};
	}

	const bytes = Buffer.alloc(Math.min(size, HEADER_BYTES));
	const fd = openSync(file, 'r');
	try {
		readSync(fd, bytes, 0, bytes.length, 0);
	} finally {
		closeSync(fd);
	}

	const header = parseHeader(bytes);
	if (!header.ok) {
		return header.error;
	}

	return {kind: 'sqlite', header: header.value, size, walBytes: Math.max(0, sizeOf(`${file}-wal`))};
}
