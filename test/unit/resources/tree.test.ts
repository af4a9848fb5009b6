import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseStat, type ProcStat} from '../../../src/core/resources/proc-stat.js';
import {indexProcesses, treeOf} from '../../../src/core/resources/tree.js';
import {statLine, type FakeProcess} from '../../helpers/fake-proc.js';

function stats(...processes: FakeProcess[]): ProcStat[] {
	return processes.map((p) => parseStat(statLine(p)) as ProcStat);
}

const pids = (tree: ProcStat[]): number[] => tree.map((s) => s.pid);

describe('treeOf', () => {
	// 1 init; 100 the daemon; 200 a task (group 200) with children 201, 202 and grandchild 203;
	// 204 an orphan of the task adopted by init but still in group 200, with its own child 205;
	// 206 a child of the task that moved to its own group (still a descendant); 300 another task.
	const index = indexProcesses(
		stats(
			{pid: 1, ppid: 0, pgrp: 1},
			{pid: 100, ppid: 1, pgrp: 100},
			{pid: 200, ppid: 100, pgrp: 200},
			{pid: 201, ppid: 200, pgrp: 200},
			{pid: 202, ppid: 200, pgrp: 200},
			{pid: 203, ppid: 202, pgrp: 200},
			{pid: 204, ppid: 1, pgrp: 200},
			{pid: 205, ppid: 204, pgrp: 200},
			{pid: 206, ppid: 200, pgrp: 206},
			{pid: 207, ppid: 206, pgrp: 206},
			{pid: 300, ppid: 100, pgrp: 300},
			{pid: 301, ppid: 300, pgrp: 300},
		),
	);

	it('is the root first, then its group and every descendant, each once', () => {
		const tree = pids(treeOf(index, 200));
		assert.equal(tree[0], 200);
		assert.deepEqual([...tree].sort((a, b) => a - b), [200, 201, 202, 203, 204, 205, 206, 207]);
		assert.equal(new Set(tree).size, tree.length);
	});

	it('leaves out other tasks, the daemon and init', () => {
		assert.deepEqual(pids(treeOf(index, 300)), [300, 301]);
	});

	it('is empty for a root that is not there', () => {
		assert.deepEqual(treeOf(index, 999), []);
	});

	it('survives a cycle in the parent links (a pid reused during the scan)', () => {
		const cyclic = indexProcesses(stats({pid: 10, ppid: 11, pgrp: 10}, {pid: 11, ppid: 10, pgrp: 10}));
		assert.deepEqual(pids(treeOf(cyclic, 10)), [10, 11]);
	});
});
