/**
 * Reading and writing the files of one cgroup folder (v1 or v2): small synchronous reads of
 * kernel files, which never block on a disk.
 */
import {readdirSync, readFileSync, rmdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/** A cgroup file's text, or null when it cannot be read (gone, not this kind of cgroup). */
export function readCgroupFile(dir: string, file: string): string | null {
	try {
		return readFileSync(path.join(dir, file), 'utf8');
	} catch {
		return null;
	}
}

/** Writes a cgroup file; throws with the file's path in the message. */
export function writeCgroupFile(dir: string, file: string, text: string): void {
	try {
		writeFileSync(path.join(dir, file), text);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'error';
		throw new Error(`cannot write ${JSON.stringify(text)} to ${path.join(dir, file)}: ${code}`, {cause: error});
	}
}

/** `key value` lines (`cgroup.events`, `memory.events`, v1 `memory.oom_control`) as numbers. */
export function keyedCounters(text: string | null): Map<string, number> {
	const counters = new Map<string, number>();
	for (const line of (text ?? '').split('\n')) {
		const [key, value] = line.split(' ');
		if (key !== undefined && key !== '' && value !== undefined) {
			counters.set(key, Number(value));
		}
	}

	return counters;
}

/** The processes in a cgroup (zombies are not). */
export function cgroupPids(dir: string): number[] {
	const text = readCgroupFile(dir, 'cgroup.procs') ?? '';
	return text.split('\n').filter(line => line !== '').map(Number);
}

/** Whether a process lives in a v2 cgroup or its children (false once it is gone). */
export function populated(dir: string): boolean {
	return keyedCounters(readCgroupFile(dir, 'cgroup.events')).get('populated') === 1;
}

/** Removes an empty cgroup; true when it is gone (or was never there). */
export function removeCgroup(dir: string): boolean {
	try {
		rmdirSync(dir);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ENOENT';
	}
}

/** The child cgroups of a folder (none when it cannot be read). */
export function subfolders(dir: string): string[] {
	try {
		return readdirSync(dir, {withFileTypes: true})
			.filter(entry => entry.isDirectory())
			.map(entry => entry.name);
	} catch {
		return [];
	}
}

/** Best effort: a write to a file this kernel may not have. */
export function tryWrite(dir: string, file: string, text: string): void {
	try {
		writeCgroupFile(dir, file, text);
	} catch {
		// not there
	}
}
