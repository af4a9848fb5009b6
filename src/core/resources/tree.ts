/**
 * Process trees from one scan of /proc. A task's tree is its main process (the root, also the
 * leader of the process group it was spawned in), every descendant by parent pid, and every
 * member of its process group: an orphan re-parented to init (or to a subreaper) is no longer a
 * descendant but still in the group, and the daemon stops tasks by signalling the group.
 * Descendants of group members are included too, so the set is closed under both relations.
 */
import type {ProcStat} from './proc-stat.js';

export type ProcIndex = {
	byPid: Map<number, ProcStat>;
	children: Map<number, ProcStat[]>;
	groups: Map<number, ProcStat[]>;
};

function push(map: Map<number, ProcStat[]>, key: number, stat: ProcStat): void {
	const list = map.get(key);
	if (list === undefined) {
		map.set(key, [stat]);
	} else {
		list.push(stat);
	}
}

export function indexProcesses(stats: Iterable<ProcStat>): ProcIndex {
	const byPid = new Map<number, ProcStat>();
	const children = new Map<number, ProcStat[]>();
	const groups = new Map<number, ProcStat[]>();
	for (const stat of stats) {
		byPid.set(stat.pid, stat);
		push(children, stat.ppid, stat);
		push(groups, stat.pgrp, stat);
	}

	return {byPid, children, groups};
}

/** The root and everything in its tree, the root first; empty when the root is not in the index. */
export function treeOf(index: ProcIndex, root: number): ProcStat[] {
	const rootStat = index.byPid.get(root);
	if (rootStat === undefined) {
		return [];
	}

	const seen = new Set<number>([root]);
	const tree: ProcStat[] = [rootStat];
	const add = (stat: ProcStat): void => {
		if (!seen.has(stat.pid)) {
			seen.add(stat.pid);
			tree.push(stat);
		}
	};

	for (const member of index.groups.get(root) ?? []) {
		add(member);
	}

	// Breadth-first over children; `tree` grows while it is walked.
	for (let i = 0; i < tree.length; i++) {
		for (const child of index.children.get((tree[i] as ProcStat).pid) ?? []) {
			add(child);
		}
	}

	return tree;
}
