/**
 * Opening SQLite connections, and where better-sqlite3's native addon comes from.
 *
 * Run through node or tsx, better-sqlite3 loads its own addon from node_modules. Inside the single
 * executable (dist/tm) there is no node_modules: the addon is a SEA asset, extracted and loaded by
 * `loadEmbedded` (src/core/addons.ts), then handed to better-sqlite3 as `nativeBinding`.
 */
import BetterSqlite3 from 'better-sqlite3';
import type {Database, Options} from 'better-sqlite3';
import {loadEmbedded} from '../core/addons.js';

/** The asset's name in the executable (scripts/build.mjs). */
export const addonAsset = 'better_sqlite3.node';

/** A better-sqlite3 connection, with the embedded addon inside the single executable. */
export function connect(file: string, options: Options = {}): Database {
	const addon = loadEmbedded(addonAsset);
	// better-sqlite3 takes the loaded addon object too; its types only know the path form.
	return new BetterSqlite3(file, addon === undefined ? options : {...options, nativeBinding: addon as unknown as string});
}
