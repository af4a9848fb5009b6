/**
 * Where the daemon's cgroups are, from /proc/self/mountinfo and /proc/self/cgroup as machines
 * write them: a v1/v2 hybrid (this CI's), a unified-only systemd machine, v1 only, a cgroup
 * namespace whose mount shows part of a hierarchy.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseHierarchies} from '../../../src/core/cgroups/layout.js';

const line = (id: number, root: string, point: string, type: string, superOptions: string): string =>
	`${id} 1 0:${id} ${root} ${point} rw,nosuid,nodev,noexec,relatime shared:${id} - ${type} ${type} ${superOptions}`;

describe('parseHierarchies', () => {
	it('a hybrid: v2 for tracking, v1 memory and cpu (co-mounted with cpuacct elsewhere) for limits', () => {
		const mountinfo = [
			line(30, '/', '/sys/fs/cgroup', 'tmpfs', 'rw,mode=755'),
			line(31, '/', '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
			line(32, '/', '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
			line(33, '/', '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
			line(34, '/', '/sys/fs/cgroup/freezer', 'cgroup', 'rw,freezer'),
		].join('\n');
		const cgroup = '5:freezer:/\n4:memory:/process_api/abc\n3:cpu,cpuacct:/\n0::/\n';
		assert.deepEqual(parseHierarchies(mountinfo, cgroup), {
			unified: '/sys/fs/cgroup/unified',
			memory: '/sys/fs/cgroup/memory/process_api/abc',
			cpu: '/sys/fs/cgroup/cpu,cpuacct',
		});
	});

	it('unified only (systemd): the daemon\'s own cgroup, no v1 controllers', () => {
		const mountinfo = line(25, '/', '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate,memory_recursiveprot');
		assert.deepEqual(parseHierarchies(mountinfo, '0::/system.slice/tm.service\n'), {unified: '/sys/fs/cgroup/system.slice/tm.service', memory: null, cpu: null});
	});

	it('v1 only: no unified hierarchy (tm then runs tasks in process groups)', () => {
		const mountinfo = line(32, '/', '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory');
		assert.deepEqual(parseHierarchies(mountinfo, '4:memory:/user.slice\n'), {unified: null, memory: '/sys/fs/cgroup/memory/user.slice', cpu: null});
	});

	it('a mount that shows part of a hierarchy: paths under its root only; escaped spaces read back', () => {
		const mountinfo = [line(40, '/docker/abc', '/sys/fs/cgroup', 'cgroup2', 'rw'), line(41, '/', '/mnt/with\\040space', 'cgroup', 'rw,cpu')].join('\n');
		assert.deepEqual(parseHierarchies(mountinfo, '0::/docker/abc/app\n2:cpu:/x\n'), {unified: '/sys/fs/cgroup/app', memory: null, cpu: '/mnt/with space/x'});
		assert.equal(parseHierarchies(mountinfo, '0::/elsewhere\n').unified, null);
	});
});
