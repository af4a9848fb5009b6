/**
 * Opening SQLite connections, and where better-sqlite3's native addon comes from.
 *
 * Run through node or tsx, better-sqlite3 loads its own addon from node_modules. Inside the single
 * executable (dist/tm) there is no node_modules: the addon is a SEA asset, written once to a
 * cache folder and loaded with `process.dlopen` (the executable's `require` loads built-ins only),
 * then handed to better-sqlite3 as `nativeBinding`. The folder's name is a hash of the addon, so
 * a new build never loads an old addon; a file is written under a temporary name and renamed, so
 * concurrent first runs never load half a file.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {getRawAsset, isSea} from 'node:sea';
import BetterSqlite3 from 'better-sqlite3';
import type {Database, Options} from 'better-sqlite3';

/** The asset's name in the executable (scripts/build.mjs). */
export const addonAsset = 'better_sqlite3.node';

/** Set by scripts/build.mjs: a hash of the embedded addon and of the runtime's ABI. */
declare const __TM_ADDON_HASH__: string | undefined;
const addonHash = typeof __TM_ADDON_HASH__ === 'string' ? __TM_ADDON_HASH__ : 'dev';

/** A folder the addon may be written to; `shared` when it sits in a folder other users can write to. */
export type AddonFolder = {path: string; shared: boolean};

/**
 * Where the addon may be written, best first: the user's cache folder, the runtime folder, then a
 * private folder in the temp dir (for a HOME that is read-only, missing or mounted noexec).
 */
export function addonFolders(env: Record<string, string | undefined>, uid: number, tmpdir: string): AddonFolder[] {
	const folders: AddonFolder[] = [];
	const home = env['HOME'];
	if (env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME'])) {
		folders.push({path: path.join(env['XDG_CACHE_HOME'], 'tm', addonHash), shared: false});
	} else if (home && path.isAbsolute(home)) {
		folders.push({path: path.join(home, '.cache', 'tm', addonHash), shared: false});
	}

	if (env['XDG_RUNTIME_DIR'] && path.isAbsolute(env['XDG_RUNTIME_DIR'])) {
		folders.push({path: path.join(env['XDG_RUNTIME_DIR'], 'tm', addonHash), shared: false});
	}

	folders.push({path: path.join(tmpdir, `tm-${uid}`, addonHash), shared: true});
	return folders;
}

/** In a shared temp dir, our folder must be ours alone, or another user could plant an addon there. */
function checkPrivate(folder: string, uid: number): void {
	for (const dir of [path.dirname(folder), folder]) {
		const stat = statSync(dir);
		if (stat.uid !== uid || (stat.mode & 0o077) !== 0) {
			throw new Error(`${dir} is not private to uid ${uid}`);
		}
	}
}

/**
 * `mkdir -p`, one level at a time: `mkdirSync(…, {recursive: true})` never returns when a parent
 * refuses new entries with ENOENT, as /proc does (a HOME that is not a real home folder).
 */
function makeFolders(folder: string): void {
	const missing: string[] = [];
	for (let dir = folder; !existsSync(dir); dir = path.dirname(dir)) {
		missing.unshift(dir);
	}

	for (const dir of missing) {
		try {
			mkdirSync(dir, {mode: 0o700});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}
		}
	}
}

/** The addon's file in `folder`, written there first unless a complete copy is already there. */
export function extractAddon(folder: AddonFolder, bytes: Uint8Array, uid: number): string {
	const file = path.join(folder.path, addonAsset);
	makeFolders(folder.path);
	if (folder.shared) {
		checkPrivate(folder.path, uid);
	}

	try {
		if (statSync(file).size === bytes.byteLength) {
			return file;
		}
	} catch {
		// not there yet
	}

	const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
	try {
		writeFileSync(tmp, bytes, {mode: 0o700});
		renameSync(tmp, file);
	} catch (error) {
		rmSync(tmp, {force: true});
		throw error;
	}

	return file;
}

let embedded: object | undefined;

/** The embedded addon, extracted and loaded on first use; undefined outside the executable. */
function embeddedAddon(): object | undefined {
	if (embedded !== undefined || !isSea()) {
		return embedded;
	}

	const bytes = new Uint8Array(getRawAsset(addonAsset) as ArrayBuffer);
	const uid = process.getuid?.() ?? 0;
	const problems: string[] = [];
	for (const folder of addonFolders(process.env, uid, os.tmpdir())) {
		try {
			const module = {exports: {}};
			process.dlopen(module, extractAddon(folder, bytes, uid), os.constants.dlopen.RTLD_NOW);
			embedded = module.exports;
			return embedded;
		} catch (error) {
			problems.push(`${folder.path}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	throw new Error(`cannot load SQLite: the embedded addon could not be written and loaded anywhere:\n  ${problems.join('\n  ')}`);
}

/** A better-sqlite3 connection, with the embedded addon inside the single executable. */
export function connect(file: string, options: Options = {}): Database {
	const addon = embeddedAddon();
	// better-sqlite3 takes the loaded addon object too; its types only know the path form.
	return new BetterSqlite3(file, addon === undefined ? options : {...options, nativeBinding: addon as unknown as string});
}
