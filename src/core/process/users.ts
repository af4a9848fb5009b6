/**
 * Resolves user and group names to ids from /etc/passwd and /etc/group, so switching users
 * needs no native module. Numeric names are taken as ids.
 */
import {readFileSync} from 'node:fs';
import {err, ok, type Result} from '../errors.js';

type Entry = {name: string; id: number; gid: number};

function readTable(file: string): Entry[] {
	try {
		return readFileSync(file, 'utf8')
			.split('\n')
			.filter(line => line && !line.startsWith('#'))
			.map(line => line.split(':'))
			.map(f => ({name: f[0] ?? '', id: Number(f[2]), gid: Number(f[3])}));
	} catch {
		return [];
	}
}

/** The uid (and primary gid) of `user`, a name or a number. */
export function resolveUser(user: string, passwd = '/etc/passwd'): Result<{uid: number; gid: number | null}, string> {
	if (/^\d+$/.test(user)) {
		const uid = Number(user);
		const entry = readTable(passwd).find(e => e.id === uid);
		return ok({uid, gid: entry ? entry.gid : null});
	}

	const entry = readTable(passwd).find(e => e.name === user);
	return entry ? ok({uid: entry.id, gid: entry.gid}) : err(`user "${user}" does not exist (not in ${passwd})`);
}

export function resolveGroup(group: string, file = '/etc/group'): Result<number, string> {
	if (/^\d+$/.test(group)) {
		return ok(Number(group));
	}

	const entry = readTable(file).find(e => e.name === group);
	return entry ? ok(entry.id) : err(`group "${group}" does not exist (not in ${file})`);
}
