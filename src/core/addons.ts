/**
 * The native addons inside the single executable (better-sqlite3's, tm's own spawn addon).
 *
 * The executable's `require` loads built-ins only, so each addon is a SEA asset, written once to a
 * cache folder and loaded with `process.dlopen`. The folder's name is a hash of the addons, so a
 * new build never loads an old addon; a file is written under a temporary name and renamed, so
 * concurrent first runs never load half a file.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {getRawAsset, isSea} from 'node:sea';

/** Set by scripts/build.mjs: a hash of the embedded addons and of the runtime's ABI. */
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

/** The addon's file `name` in `folder`, written there first unless a complete copy is already there. */
export function extractAddon(folder: AddonFolder, name: string, bytes: Uint8Array, uid: number): string {
	const file = path.join(folder.path, name);
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

const loaded = new Map<string, object>();

/** The embedded addon `asset`, extracted and loaded on first use; undefined outside the executable. */
export function loadEmbedded(asset: string): object | undefined {
	if (!isSea()) {
		return undefined;
	}

	const done = loaded.get(asset);
	if (done !== undefined) {
		return done;
	}

	const bytes = new Uint8Array(getRawAsset(asset) as ArrayBuffer);
	const uid = process.getuid?.() ?? 0;
	const problems: string[] = [];
	for (const folder of addonFolders(process.env, uid, os.tmpdir())) {
		try {
			const module = {exports: {}};
			process.dlopen(module, extractAddon(folder, asset, bytes, uid), os.constants.dlopen.RTLD_NOW);
			loaded.set(asset, module.exports);
			return module.exports;
		} catch (error) {
			problems.push(`${folder.path}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	throw new Error(`cannot load ${asset}: the embedded addon could not be written and loaded anywhere:\n  ${problems.join('\n  ')}`);
}
