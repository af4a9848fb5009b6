/**
 * A small real file system for tests of a full disk: a tmpfs mounted in a temp dir (needs root,
 * or CAP_SYS_ADMIN), and a filler file that takes the room a test wants gone.
 */
import {spawnSync} from 'node:child_process';
import {closeSync, mkdirSync, openSync, writeSync} from 'node:fs';

export type Tmpfs = {dir: string; unmount(): void};

/** Mounts a tmpfs of `size` (`3m`) on `dir`, or says why it cannot (not root, no mount command…). */
export function mountTmpfs(dir: string, size: string): {ok: true; fs: Tmpfs} | {ok: false; reason: string} {
	mkdirSync(dir, {recursive: true});
	const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {encoding: 'utf8'});
	if (mounted.error !== undefined || mounted.status !== 0) {
		const said = mounted.error?.message ?? mounted.stderr.trim();
		return {ok: false, reason: `cannot mount a tmpfs (needs root): ${said}`};
	}

	return {
		ok: true,
		fs: {
			dir,
			unmount() {
				// Lazy: a process the test failed to kill may still hold a file open.
				spawnSync('umount', ['-l', dir]);
			},
		},
	};
}

/**
 * Writes `bytes` of filler lines to `file` (less when the disk fills first), appended with
 * `flags: 'a'`; returns how many were written. Appending until the disk is full also takes the
 * slack in the file's last page, so the next write to it fails for sure.
 */
export function fill(file: string, bytes: number, flags: 'w' | 'a' = 'w'): number {
	const fd = openSync(file, flags);
	const block = Buffer.from(`${'f'.repeat(63)}\n`.repeat(1024));
	let written = 0;
	try {
		while (written < bytes) {
			written += writeSync(fd, block, 0, Math.min(block.length, bytes - written));
		}
	} catch {
		// Full before `bytes`: what was written stays.
	} finally {
		closeSync(fd);
	}

	return written;
}
