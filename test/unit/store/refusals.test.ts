import assert from 'node:assert/strict';
import {createHash, randomBytes} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {openDatabase} from '../../../src/store/db.js';
import {LATEST_VERSION} from '../../../src/store/migrations.js';
import {openReadonlyStore} from '../../../src/store/readonly.js';
import {Store} from '../../../src/store/store.js';
import {makeEvent, makeTask, pinAndSnapshot, snapshot, tempHome} from '../../helpers/store-fixtures.js';

const home = tempHome();
after(home.cleanup);
let files = 0;
const nextFile = (): string => `${home.dir}/db-${++files}.db`;

/** A real tm.db with enough rows to span many pages, closed cleanly (no -wal left). */
function realTmDb(events = 50): string {
	const file = nextFile();
	const store = Store.open(file);
	const tasks = Array.from({length: 50}, (_, index) => makeTask(`t${index}`, {queueSeq: index}));
	store.writeBatch({tasks, runStarts: [], runEnds: [], events: Array.from({length: events}, (_, index) => makeEvent(tasks[index % 50]!.id, index))});
	store.close();
	return file;
}

/** A leaf page of `table` in the middle of its pages (SQLite's dbstat). */
function leafPageOf(file: string, table: string): number {
	const db = new BetterSqlite3(file, {readonly: true});
	try {
		const pages = db.prepare<[string], number>("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").pluck().all(table);
		assert.ok(pages.length > 1, `${table} spans several leaves`);
		return pages[Math.floor(pages.length / 2)]!;
	} finally {
		db.close();
	}
}

const modes = [
	{name: 'readwrite', open: (file: string) => openDatabase(file).close()},
	{name: 'readonly', open: (file: string) => openDatabase(file, {readonly: true}).close()},
	{name: 'Store.open', open: (file: string) => Store.open(file).close()},
	{name: 'openReadonlyStore', open: (file: string) => openReadonlyStore(file).close()},
] as const;

/** Opens `file` every way tm can and checks each is refused with `message` and leaves the file as it was. */
function assertRefusedUntouched(file: string, message: RegExp | string): void {
	const before = pinAndSnapshot(file);
	for (const mode of modes) {
		assert.throws(
			() => mode.open(file),
			(error: Error & {code?: string}) => {
				assert.equal(error.code, 'E_STORE', `${mode.name}: ${error.message}`);
				if (typeof message === 'string') {
					assert.equal(error.message, message, mode.name);
				} else {
					assert.match(error.message, message, mode.name);
				}

				return true;
			},
		);
		assert.deepEqual(snapshot(file), before, `${mode.name} changed ${file}`);
	}
}

const escape = (text: string): string => text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);
const notTm = (file: string, detail: string): RegExp =>
	new RegExp(`^${escape(file)} is not a tm database \\(${detail}\\): refusing to touch it; move it away or pick another --home$`);
const damaged = (file: string, detail: string): RegExp =>
	new RegExp(
		`^${escape(file)} is damaged \\(${detail}\\): tm will not use it; \`tm db recover\` \\(with the same home\\) rebuilds it from what can still be read and keeps this file aside$`,
	);

describe('openDatabase refuses, untouched', () => {
	it('a file of random bytes', () => {
		const file = nextFile();
		writeFileSync(file, randomBytes(8192));
		assertRefusedUntouched(file, notTm(file, 'file is not a database'));
	});

	it('a file shorter than an SQLite header', () => {
		const file = nextFile();
		writeFileSync(file, 'hello\n');
		assertRefusedUntouched(file, notTm(file, 'file is not a database: 6 bytes, shorter than an SQLite header'));
	});

	it('a truncated tm.db, cut at a page boundary and mid-page', () => {
		const real = realTmDb();
		const bytes = readFileSync(real);
		assert.ok(bytes.length >= 4 * 4096, `the fixture spans several pages (${bytes.length} bytes)`);
		for (const length of [bytes.length - 4096, 4096, 1000]) {
			const file = nextFile();
			writeFileSync(file, bytes.subarray(0, length));
			assertRefusedUntouched(file, damaged(file, `truncated: the header counts \\d+ pages of 4096 bytes but the file has ${length} bytes`));
		}
	});

	it('a tm.db (in WAL mode) whose first page SQLite finds corrupt', () => {
		const bytes = readFileSync(realTmDb());
		for (let offset = 100; offset < 4096; offset++) {
			bytes[offset] = (offset * 7919) & 0xff;
		}

		const file = nextFile();
		writeFileSync(file, bytes);
		assertRefusedUntouched(file, damaged(file, '.+'));
	});

	it('a tm.db whose header fields are garbage (the magic string kept), in both modes, naming the field', () => {
		const bytes = readFileSync(realTmDb());
		randomBytes(80).copy(bytes, 20);
		bytes.writeUInt8(0, 21);
		const file = nextFile();
		writeFileSync(file, bytes);
		assertRefusedUntouched(file, damaged(file, 'the header.s payload fractions are 0/\\d+/\\d+, always 64/32/32'));
	});

	it('the daemon’s open checks every page: garbage over a history page, a zeroed page type in tasks', () => {
		const damages = [
			{table: 'events', damage: (bytes: Buffer, offset: number) => randomBytes(4096).copy(bytes, offset)},
			{table: 'tasks', damage: (bytes: Buffer, offset: number) => bytes.writeUInt8(0, offset)},
		];
		for (const {table, damage} of damages) {
			const real = realTmDb(2000);
			const page = leafPageOf(real, table);
			const bytes = readFileSync(real);
			damage(bytes, (page - 1) * 4096);
			const file = nextFile();
			writeFileSync(file, bytes);
			const before = pinAndSnapshot(file);
			for (const open of [() => openDatabase(file).close(), () => Store.open(file).close()]) {
				assert.throws(open, {code: 'E_STORE', message: damaged(file, `page ${page} of ${table}: .+`)});
				assert.deepEqual(snapshot(file), before, `${table}: the file is untouched`);
			}
		}
	});

	it('a damaged tm.db left with its -wal (as by kill -9): neither file is touched, the WAL is not checkpointed', () => {
		const real = realTmDb(2000);
		const page = leafPageOf(real, 'events');
		const file = nextFile();
		const writer = Store.open(real);
		writer.writeBatch({tasks: [makeTask('late')], runStarts: [], runEnds: [], events: [makeEvent('late', 1)]});
		copyFileSync(real, file);
		copyFileSync(`${real}-wal`, `${file}-wal`);
		writer.close();
		const bytes = readFileSync(file);
		bytes.writeUInt8(0, (page - 1) * 4096);
		writeFileSync(file, bytes);
		const before = pinAndSnapshot(file);
		const wal = createHash('sha256').update(readFileSync(`${file}-wal`)).digest('hex');
		assert.ok(before.wal && statSync(`${file}-wal`).size > 0, 'a WAL with frames is beside it');
		for (const open of [() => openDatabase(file).close(), () => Store.open(file).close()]) {
			assert.throws(open, {code: 'E_STORE', message: damaged(file, `page ${page} of events: .+`)});
			assert.deepEqual(snapshot(file), before);
			assert.equal(createHash('sha256').update(readFileSync(`${file}-wal`)).digest('hex'), wal);
		}
	});

	it('another program’s SQLite file (its tables, no application id)', () => {
		const file = nextFile();
		const other = new BetterSqlite3(file);
		other.exec(`CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places (url) VALUES ('https://example.org')`);
		other.close();
		assertRefusedUntouched(file, `${file} belongs to another program (application_id 0x00000000): refusing to touch it`);
	});

	it('another program’s SQLite file in WAL mode', () => {
		const file = nextFile();
		const other = new BetterSqlite3(file);
		other.pragma('journal_mode = WAL');
		other.exec('CREATE TABLE notes (body TEXT)');
		other.close();
		assertRefusedUntouched(file, `${file} belongs to another program (application_id 0x00000000): refusing to touch it`);
	});

	it('another program’s file whose tables are still only in its WAL, while it holds the file open', () => {
		const file = nextFile();
		const other = new BetterSqlite3(file);
		other.pragma('journal_mode = WAL');
		other.pragma('wal_autocheckpoint = 0');
		other.exec('CREATE TABLE notes (body TEXT)');
		try {
			const mainBefore = pinAndSnapshot(file);
			assert.ok(mainBefore.wal, 'the tables are in the WAL');
			for (const mode of modes) {
				assert.throws(() => mode.open(file), {
					code: 'E_STORE',
					message: `${file} belongs to another program (application_id 0x00000000): refusing to touch it`,
				});
			}

			assert.deepEqual(snapshot(file), mainBefore);
			assert.deepEqual(other.prepare('SELECT name FROM sqlite_master').pluck().all(), ['notes']);
		} finally {
			other.close();
		}
	});

	it('a file stamped with another application id, even without tables', () => {
		const file = nextFile();
		const other = new BetterSqlite3(file);
		other.pragma(`application_id = ${0x4750534d}`);
		other.close();
		assertRefusedUntouched(file, `${file} belongs to another program (application_id 0x4750534d): refusing to touch it`);
	});

	it('a tm.db written by a newer tm, naming both versions', () => {
		const file = realTmDb();
		const db = new BetterSqlite3(file);
		db.pragma(`user_version = ${LATEST_VERSION + 1}`);
		db.close();
		assertRefusedUntouched(
			file,
			`${file} was written by a newer tm (schema version ${LATEST_VERSION + 1}; this tm knows up to ${LATEST_VERSION}): refusing to touch it; upgrade tm`,
		);
	});

	it('a folder where the file should be, as an E_STORE error naming it', () => {
		const file = `${home.dir}/a-folder.db`;
		mkdirSync(file);
		for (const mode of modes) {
			assert.throws(() => mode.open(file), {code: 'E_STORE', message: new RegExp(`^cannot open ${escape(file)}: `)});
		}
	});

	it('a readonly open of a missing file, without creating it', () => {
		const file = `${home.dir}/nowhere/tm.db`;
		const message = `no database at ${file}: the daemon has not run with this home yet (start it with \`tm up\`)`;
		assert.throws(() => openDatabase(file, {readonly: true}), {code: 'E_STORE', message});
		assert.throws(() => openReadonlyStore(file), {code: 'E_STORE', message});
		assert.equal(existsSync(file), false);
		assert.equal(existsSync(`${home.dir}/nowhere`), false);
	});
});

describe('openDatabase accepts', () => {
	it('a tm.db that was closed cleanly, in both modes, leaving the bytes as they were when read only', () => {
		const file = realTmDb();
		const before = pinAndSnapshot(file);
		const readonly = openReadonlyStore(file);
		assert.equal(readonly.tasks().length, 50);
		readonly.close();
		assert.equal(snapshot(file).sha256, before.sha256);
		assert.equal(snapshot(file).mtimeMs, before.mtimeMs);
		const store = Store.open(file);
		assert.equal(store.counts().tasks, 50);
		store.close();
	});
});
