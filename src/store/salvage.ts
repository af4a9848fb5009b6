/**
 * Reading one table of a damaged database around its damaged pages. A scan in rowid order stops
 * at the first page SQLite cannot parse; a seek (`rowid >= n`) only reads the pages on its way
 * down the b-tree, so seeks at growing distances past the last row read find the first rowid
 * whose way is whole again (then a binary search narrows it), and the scan goes on from there.
 * The rows in between are lost; their span is reported. A probe decodes its row, as the scan
 * does, so a row whose cells are damaged is stepped over like a damaged page.
 */
import BetterSqlite3 from 'better-sqlite3';
import type {Database, Statement} from 'better-sqlite3';

/** Rows that could not be read: the rowids of the rows read on either side (null at an end). */
export type Gap = {after: number | null; before: number | null};

/** A row as read: its rowid, then the asked columns in order. */
export type RawRow = [number, ...unknown[]];

const isCorruption = (error: unknown): boolean =>
	error instanceof BetterSqlite3.SqliteError && (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB');

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** What a seek at a rowid found: the first row at or after it, the end of the table, or damage. */
type Probe = {kind: 'row'; rowid: number} | {kind: 'end'} | {kind: 'damaged'};

function probe(first: Statement<[number], RawRow>, at: number): Probe {
	try {
		const row = first.get(at);
		return row === undefined ? {kind: 'end'} : {kind: 'row', rowid: row[0]};
	} catch (error) {
		if (!isCorruption(error)) {
			throw error;
		}

		return {kind: 'damaged'};
	}
}

/**
 * The smallest rowid after `base` from which a seek works (found by doubling the distance, then
 * halving it), with what it found; null when no seek past `base` works.
 */
function nextReadable(first: Statement<[number], RawRow>, base: number): {at: number; found: Probe} | null {
	let low = base;
	let step = 1;
	let high: {at: number; found: Probe} | null = null;
	while (high === null) {
		const at = Math.min(base + step, Number.MAX_SAFE_INTEGER);
		const found = probe(first, at);
		if (found.kind !== 'damaged') {
			high = {at, found};
		} else if (at === Number.MAX_SAFE_INTEGER) {
			return null;
		} else {
			low = at;
			step *= 2;
		}
	}

	while (high.at - low > 1) {
		const at: number = low + Math.floor((high.at - low) / 2);
		const found = probe(first, at);
		if (found.kind === 'damaged') {
			low = at;
		} else {
			high = {at, found};
		}
	}

	return high;
}

/**
 * Reads every row of `table` that its pages still hold, in rowid order, giving each to `onRow`.
 *
 * @param columns The columns to read, after the rowid.
 * @returns The stretches that could not be read (empty when the table is whole).
 * @throws What SQLite raised other than corruption (an I/O error), or what `onRow` threw.
 */
export function salvageTable(db: Database, table: string, columns: readonly string[], onRow: (row: RawRow) => void): Gap[] {
	const select = `SELECT rowid, ${columns.map(quote).join(', ')} FROM ${quote(table)} WHERE rowid >= ? ORDER BY rowid`;
	const scan = db.prepare<[number], RawRow>(select).raw();
	const first = db.prepare<[number], RawRow>(`${select} LIMIT 1`).raw();
	const gaps: Gap[] = [];
	let from = Number.MIN_SAFE_INTEGER;
	let lastRead: number | null = null;
	for (;;) {
		let last: number | null = null;
		try {
			for (const row of scan.iterate(from)) {
				last = row[0];
				onRow(row);
			}

			return gaps;
		} catch (error) {
			if (!isCorruption(error)) {
				throw error;
			}
		}

		lastRead = last ?? lastRead;
		// Past the last row read, or past where this scan began: each round starts further on.
		// SQLite's rowids are positive unless given (tm never gives one): a table damaged at its
		// start is searched from 1, not in steps from the smallest rowid.
		const next = nextReadable(first, last ?? Math.max(from, 0));
		const before = next?.found.kind === 'row' ? next.found.rowid : null;
		gaps.push({after: lastRead, before});
		if (next === null || before === null) {
			return gaps;
		}

		from = next.at;
	}
}
