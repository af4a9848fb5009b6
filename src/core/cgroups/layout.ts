/**
 * Where the daemon's own cgroups are, as folders: in the unified (v2) hierarchy, and in the v1
 * hierarchies of the `memory` and `cpu` controllers when those are mounted (a v1/v2 hybrid).
 * Read from /proc/self/mountinfo (what is mounted where) and /proc/self/cgroup (the daemon's
 * path in each hierarchy); tm makes its own cgroups under these.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';

export type Hierarchies = {
	/** The daemon's cgroup in the unified hierarchy; null when none is mounted (or visible). */
	unified: string | null;
	/** The daemon's cgroups in the v1 hierarchies of these controllers; null when not mounted. */
	memory: string | null;
	cpu: string | null;
};

/** mountinfo escapes spaces and the like as `\040`. */
const unescape = (text: string): string => text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

type Mount = {root: string; point: string; type: string; options: string[]};

function mounts(mountinfo: string): Mount[] {
	const found: Mount[] = [];
	for (const line of mountinfo.split('\n')) {
		// id parent major:minor root point options [optional…] - type source super-options
		const [left = '', right = ''] = line.split(' - ');
		const fields = left.split(' ');
		const [type = '', , superOptions = ''] = right.split(' ');
		if (fields.length >= 5 && (type === 'cgroup' || type === 'cgroup2')) {
			found.push({root: unescape(fields[3] ?? '/'), point: unescape(fields[4] ?? ''), type, options: superOptions.split(',')});
		}
	}

	return found;
}

/** The folder of cgroup `cgroupPath` under a mount of its hierarchy (null when the mount shows another part of it). */
function folderOf(mount: Mount, cgroupPath: string): string | null {
	if (mount.root === '/') {
		return path.resolve(mount.point, `.${cgroupPath}`);
	}

	return cgroupPath === mount.root || cgroupPath.startsWith(`${mount.root}/`) ? path.resolve(mount.point, `.${cgroupPath.slice(mount.root.length)}`) : null;
}

/** The daemon's cgroups from the text of /proc/self/mountinfo and /proc/self/cgroup. */
export function parseHierarchies(mountinfo: string, cgroups: string): Hierarchies {
	const all = mounts(mountinfo);
	const paths = new Map<string, string>();
	for (const line of cgroups.split('\n')) {
		const match = /^(\d+):([^:]*):(.*)$/.exec(line);
		if (match !== null) {
			const [, id, controllers = '', where = '/'] = match;
			for (const name of id === '0' ? ['unified'] : controllers.split(',')) {
				paths.set(name, where);
			}
		}
	}

	const v1 = (controller: string): string | null => {
		const mount = all.find(candidate => candidate.type === 'cgroup' && candidate.options.includes(controller));
		const where = paths.get(controller);
		return mount === undefined || where === undefined ? null : folderOf(mount, where);
	};

	const unifiedMount = all.find(candidate => candidate.type === 'cgroup2');
	const unifiedPath = paths.get('unified');
	return {
		unified: unifiedMount === undefined || unifiedPath === undefined ? null : folderOf(unifiedMount, unifiedPath),
		memory: v1('memory'),
		cpu: v1('cpu'),
	};
}

/** The daemon's cgroups on this machine; none when /proc cannot tell. */
export function readHierarchies(): Hierarchies {
	try {
		return parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
	} catch {
		return {unified: null, memory: null, cpu: null};
	}
}
