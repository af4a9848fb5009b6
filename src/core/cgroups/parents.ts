/**
 * tm's folders, one per home (`tm-<hash>`), under the daemon's own cgroups: always in the
 * unified hierarchy; for memory and cpu, there when its controllers can be enabled for tm's
 * folder, else in the v1 hierarchy of that controller when one is mounted (a v1/v2 hybrid).
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {messageOf} from '../errors.js';
import {readCgroupFile, writeCgroupFile} from './files.js';
import type {Hierarchies} from './layout.js';
import type {LimitFolder} from './limits.js';

export type Parents = {unified: string; memory: LimitFolder | null; cpu: LimitFolder | null};

/** The folder name of a home's cgroups, the same in every hierarchy and for every daemon on that home. */
export function cgroupFolderName(home: string): string {
	return `tm-${createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 12)}`;
}

const words = (text: string | null): string[] => (text ?? '').split(/\s+/).filter(Boolean);

/**
 * Enables a v2 controller for tm's folder (and in the daemon's cgroup above it, which a cgroup
 * holding processes other than at the root refuses: then it is not there); false when not there.
 */
function enableV2(daemonDir: string, parent: string, controller: string): boolean {
	if (!words(readCgroupFile(daemonDir, 'cgroup.controllers')).includes(controller)) {
		return false;
	}

	try {
		if (!words(readCgroupFile(daemonDir, 'cgroup.subtree_control')).includes(controller)) {
			writeCgroupFile(daemonDir, 'cgroup.subtree_control', `+${controller}`);
		}

		writeCgroupFile(parent, 'cgroup.subtree_control', `+${controller}`);
		return true;
	} catch {
		return false;
	}
}

/** A v1 folder for a controller, when its hierarchy is mounted and has the file that sets the limit. */
function v1Folder(dir: string | null, name: string, probe: string): LimitFolder | null {
	if (dir === null || !existsSync(path.join(dir, probe))) {
		return null;
	}

	try {
		mkdirSync(path.join(dir, name), {recursive: true});
		return {kind: 'v1', dir: path.join(dir, name)};
	} catch {
		return null;
	}
}

/** Makes tm's folders (kept when they exist); throws, naming the folder, when the unified one cannot be made. */
export function makeParents(hierarchies: Hierarchies, name: string): Parents {
	const {unified: daemonDir, memory, cpu} = hierarchies;
	if (daemonDir === null) {
		throw new Error('no cgroup v2 hierarchy is mounted');
	}

	const unified = path.join(daemonDir, name);
	try {
		mkdirSync(unified, {recursive: true});
	} catch (error) {
		throw new Error(`cannot make ${unified}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, {cause: error});
	}

	const v2 = (controller: string): LimitFolder | null => (enableV2(daemonDir, unified, controller) ? {kind: 'v2', dir: unified} : null);
	return {unified, memory: v2('memory') ?? v1Folder(memory, name, 'memory.limit_in_bytes'), cpu: v2('cpu') ?? v1Folder(cpu, name, 'cpu.cfs_quota_us')};
}

/** The folders tm's cgroups are in, in every hierarchy it uses (the unified one first). */
export function parentDirs(parents: Parents | null): string[] {
	return parents === null ? [] : [...new Set([parents.unified, parents.memory?.dir, parents.cpu?.dir].filter((dir): dir is string => dir !== undefined))];
}

/** `cgroup v2 + v1 memory + v1 cpu`: what isolates the runs, and where their limits live. */
export function modeOf({memory, cpu}: Parents): string {
	return ['cgroup v2', ...(memory ? [`${memory.kind} memory`] : []), ...(cpu ? [`${cpu.kind} cpu`] : [])].join(' + ');
}
