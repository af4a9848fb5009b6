/**
 * The cgroups a test's daemons make, found from their home (the folder name tm gives it), read,
 * and removed with whatever is left in them: tests remove everything they make.
 */
import {existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {cgroupFolderName} from '../../src/core/cgroups/parents.js';
import {readHierarchies} from '../../src/core/cgroups/layout.js';
import {probeCgroups} from '../../src/core/cgroups/probe.js';
import {waitFor} from './wait.js';

/** What a daemon started now gets on this machine (`cgroup v2 + v1 memory + v1 cpu`, or `process groups (why)`). */
export const machineMode = probeCgroups();

/** Why the cgroup tests cannot run here, or false: for `it(…, {skip})`. */
export const noCgroups: string | false = machineMode.startsWith('cgroup v2') ? false : `this machine cannot make cgroups: ${machineMode}`;

/** A controller's v1 or v2 limit is there (`memory`, `cpu`), or why not. */
export const noController = (controller: 'memory' | 'cpu'): string | false =>
	noCgroups || (machineMode.includes(` ${controller}`) ? false : `no ${controller} controller for tm's cgroups here: ${machineMode}`);

/** A home's folder in every hierarchy tm uses on this machine (the unified one first). */
export function homeFolders(home: string): string[] {
	const {unified, memory, cpu} = readHierarchies();
	return [unified, memory, cpu].filter((dir): dir is string => dir !== null).map(dir => path.join(dir, cgroupFolderName(home)));
}

/** A run's folder in the unified hierarchy. */
export const runFolder = (home: string, name: string): string => path.join(homeFolders(home)[0] ?? '', name);

export function readKeyed(file: string): Record<string, number> {
	const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
	return Object.fromEntries(
		text
			.split('\n')
			.filter(Boolean)
			.map(line => [line.split(' ')[0] ?? '', Number(line.split(' ')[1])]),
	);
}

export function cgroupPids(dir: string): number[] {
	return existsSync(path.join(dir, 'cgroup.procs')) ? readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

const subfolders = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, {withFileTypes: true}).filter(e => e.isDirectory()).map(e => path.join(dir, e.name)) : []);

/** Every folder a home's daemons left, in every hierarchy. */
export function leftFolders(home: string): string[] {
	return homeFolders(home).flatMap(folder => (existsSync(folder) ? [folder, ...subfolders(folder)] : []));
}

/** Kills what is left in a home's cgroups and removes them (a test's `after`). */
export async function removeHomeCgroups(home: string): Promise<void> {
	for (const folder of homeFolders(home)) {
		for (const run of subfolders(folder)) {
			if (existsSync(path.join(run, 'cgroup.kill'))) {
				writeFileSync(path.join(run, 'cgroup.kill'), '1');
			}

			await waitFor(() => cgroupPids(run).length, count => count === 0, {what: `${run} to be empty`});
			rmdirSync(run);
		}

		if (existsSync(folder)) {
			rmdirSync(folder);
		}
	}
}

/** Whether a process is frozen by its cgroup's freezer (`cgroup.events` frozen 1): tm pause with cgroups. */
export function frozen(pid: number): boolean {
	try {
		const mount = readFileSync('/proc/self/mountinfo', 'utf8')
			.split('\n')
			.find(line => line.includes(' - cgroup2 '))
			?.split(' ')[4];
		const where = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
			.split('\n')
			.find(line => line.startsWith('0::'))
			?.slice(3);
		return mount !== undefined && where !== undefined && readKeyed(path.join(mount, where, 'cgroup.events'))['frozen'] === 1;
	} catch {
		return false;
	}
}
