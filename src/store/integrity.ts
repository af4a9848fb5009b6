/**
 * Whether tm.db is whole, checked before the daemon uses it. `PRAGMA quick_check` reads every
 * page of the file once: each b-tree page's header and cells, the freelist, and that every index
 * has one entry per row. It does not compare each index entry with its row (`integrity_check`
 * does, at three times the cost). Its cost grows with the file (measured in docs/cli.md, `tm db
 * recover`); a daemon starts rarely, and this finds damage on any page, not only on the pages
 * the start happens to read.
 */
import BetterSqlite3 from 'better-sqlite3';
import type {Database} from 'better-sqlite3';

/** At most this many problems are read: the first names the damage, the rest only add up. */
const MAX_PROBLEMS = 20;

/** SQLite's "Tree 7 page 22: …", with the tree's root page replaced by its table's or index's name. */
function nameTrees(problem: string, names: ReadonlyMap<number, string>): string {
	return problem
		.replace(/^\*\*\* in database \w+ \*\*\*\n/, '')
		.replace(/Tree (\d+) page (\d+)/g, (whole, root: string, page: string) => {
			const name = names.get(Number(root));
			return name === undefined ? whole : `page ${page} of ${name}`;
		})
		.trim();
}

/** Root page → table or index name; empty when even the schema cannot be read. */
function treeNames(db: Database): Map<number, string> {
	try {
		const rows = db.prepare<[], {name: string; rootpage: number}>('SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0').all();
		return new Map(rows.map(row => [row.rootpage, row.name]));
	} catch {
		return new Map();
	}
}

/**
 * The problems `PRAGMA quick_check` finds in `db`, each naming the table or index and page.
 *
 * @returns An empty list when every page reads back as SQLite wrote it.
 * @throws The SqliteError of a failure that is not corruption (an I/O error, a lock).
 */
export function findDamage(db: Database): string[] {
	const names = treeNames(db);
	const problems: string[] = [];
	try {
		for (const row of db.prepare<[], {quick_check: string}>(`PRAGMA quick_check(${MAX_PROBLEMS})`).iterate()) {
			problems.push(row.quick_check);
		}
	} catch (error) {
		// SQLite stops the check at a page it cannot even parse, after what it found so far.
		if (!(error instanceof BetterSqlite3.SqliteError && error.code.startsWith('SQLITE_CORRUPT'))) {
			throw error;
		}

		problems.push(error.message);
	}

	return problems.length === 1 && problems[0] === 'ok' ? [] : problems.map(problem => nameTrees(problem, names));
}

/** The first problem, and how many more there are, for one error message. */
export function describeDamage(problems: readonly string[]): string {
	const [first = 'damaged', ...rest] = problems;
	const more = rest.length === 0 ? '' : `; and ${rest.length}${rest.length + 1 >= MAX_PROBLEMS ? ' or more' : ''} more problem${rest.length === 1 ? '' : 's'}`;
	return `${first}${more}`;
}
