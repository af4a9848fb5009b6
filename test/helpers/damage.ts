/**
 * Damaging a real tm.db the way disks and stray writes do, and reading what it held: its pages
 * by table (SQLite's dbstat), its rows by table, a hash of every file in a home.
 */
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** `length` bytes that look random but are the same for the same seed (a failure can be replayed). */
export function garbage(length: number, seed: string): Buffer {
	const blocks: Buffer[] = [];
	for (let i = 0; blocks.length * 32 < length; i++) {
		blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
	}

	return Buffer.concat(blocks).subarray(0, length);
}

/** Writes `bytes` over `file` at `offset`. */
export function overwrite(file: string, offset: number, bytes: Buffer): void {
	const content = readFileSync(file);
	bytes.copy(content, offset);
	writeFileSync(file, content);
}

export type PageInfo = {page: number; name: string; type: string};

/** Every page of a (whole) database with the table or index it belongs to. */
export function pagesOf(file: string): PageInfo[] {
	const db = new BetterSqlite3(file, {readonly: true});
	try {
		return db.prepare<[], PageInfo>('SELECT pageno AS page, name, pagetype AS type FROM dbstat ORDER BY pageno').all();
	} finally {
		db.close();
	}
}

/** tm's tables and the column that names a row in each. */
export const tmTables = {meta: 'key', tasks: 'id', runs: 'id', events: 'id'} as const;

export type TableName = keyof typeof tmTables;

/** Every row of every tm table, as SQLite returns it, by table and by the row's key (meta), id (tasks) or id (runs, events). */
export function rowsOf(file: string): Record<TableName, Map<string | number, Record<string, unknown>>> {
	const db = new BetterSqlite3(file, {readonly: true});
	try {
		const read = (table: TableName) => {
			const rows = db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${table}`).all();
			return new Map(rows.map(row => [row[tmTables[table]] as string | number, row]));
		};

		return {meta: read('meta'), tasks: read('tasks'), runs: read('runs'), events: read('events')};
	} finally {
		db.close();
	}
}

/** sha256, size and mtime of the files in a folder (not below it) whose names start with `prefix`, by name. */
export function folderSnapshot(folder: string, prefix = ''): Record<string, string> {
	const files: Record<string, string> = {};
	for (const name of readdirSync(folder).filter(entry => entry.startsWith(prefix)).sort()) {
		const file = path.join(folder, name);
		const stat = statSync(file);
		if (stat.isFile()) {
			files[name] = `${createHash('sha256').update(readFileSync(file)).digest('hex')} ${stat.size} ${stat.mtimeMs}`;
		}
	}

	return files;
}
