/**
 * What a daemon started now would isolate its tasks with (`tm version`), found without making
 * anything: the hierarchies mounted, whether this user may make cgroups in them, which
 * controllers they offer. The daemon's own answer (`Cgroups.open`) is the one in use.
 */
import {accessSync, constants, existsSync} from 'node:fs';
import path from 'node:path';
import {addonAbsence} from '../native-addon.js';
import {readHierarchies, type Hierarchies} from './layout.js';
import {readCgroupFile} from './files.js';

const writable = (dir: string | null): dir is string => {
	try {
		accessSync(dir ?? '', constants.W_OK);
		return true;
	} catch {
		return false;
	}
};

const offers = (dir: string, controller: string): boolean => (readCgroupFile(dir, 'cgroup.controllers') ?? '').split(/\s+/).includes(controller);

/** `cgroup v2 + v1 memory + v1 cpu`, or `process groups (why)`, for `taskmaster.cgroups: auto`. */
export function probeCgroups(hierarchies: Hierarchies = readHierarchies(), spawnProblem = addonAbsence()): string {
	const {unified, memory, cpu} = hierarchies;
	if (spawnProblem !== null) {
		return `process groups (the spawn addon is not loaded: ${spawnProblem})`;
	}

	if (unified === null) {
		return 'process groups (no cgroup v2 hierarchy is mounted)';
	}

	if (!writable(unified)) {
		return `process groups (cannot make cgroups in ${unified}; tm needs root, or systemd's Delegate=yes)`;
	}

	const v1 = (dir: string | null, probe: string): boolean => writable(dir) && existsSync(path.join(dir, probe));
	const parts = ['cgroup v2'];
	if (offers(unified, 'memory') || v1(memory, 'memory.limit_in_bytes')) {
		parts.push(offers(unified, 'memory') ? 'v2 memory' : 'v1 memory');
	}

	if (offers(unified, 'cpu') || v1(cpu, 'cpu.cfs_quota_us')) {
		parts.push(offers(unified, 'cpu') ? 'v2 cpu' : 'v1 cpu');
	}

	return parts.join(' + ');
}
