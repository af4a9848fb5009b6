/**
 * Who may read the log files tm creates: the daemon's user only (files 0600, folders 0700), or,
 * for a task with a `group`, that group too (0640 and 0750, given to the group where the
 * daemon may). Files and folders that already exist keep their modes: tm warns about open ones
 * at start (daemon/exposure.ts) rather than change what someone may have set on purpose.
 */
import {chownSync, fchownSync, fstatSync, mkdirSync, openSync} from 'node:fs';
import path from 'node:path';
import {resolveGroup} from '../process/users.js';

export type Access = {file: number; folder: number; gid: number | null};

export const privateAccess: Access = {file: 0o600, folder: 0o700, gid: null};

/** The access of a task's logs: private, or shared with `group` when it names one that exists. */
export function accessFor(group: string | null | undefined): Access {
	const gid = group ? resolveGroup(group) : null;
	return gid?.ok ? {file: 0o640, folder: 0o750, gid: gid.value} : privateAccess;
}

/** Opens `file` for appending, creating it with `access`. */
export function openForAppend(file: string, access: Access): number {
	const fd = openSync(file, 'a', access.file);
	if (access.gid !== null && fstatSync(fd).gid !== access.gid) {
		try {
			fchownSync(fd, -1, access.gid);
		} catch {
			// Only root, or a member of the group, may give a file to it: the file stays the daemon's.
		}
	}

	return fd;
}

/** Makes `folder` and its missing parents with `access`. */
export function makeFolder(folder: string, access: Access): void {
	const first = mkdirSync(folder, {recursive: true, mode: access.folder});
	if (first === undefined || access.gid === null) {
		return;
	}

	for (let made = folder; made.length >= first.length; made = path.dirname(made)) {
		try {
			chownSync(made, -1, access.gid);
		} catch {
			// As for files.
		}
	}
}
