/**
 * The daemon's cgroups on a fake cgroupfs (plain folders and files in a temp dir): which mode a
 * machine gets, the files each limit is written to in a unified hierarchy with memory and cpu
 * controllers (not on this CI's machines) and in v1 ones, the OOM counters read back, the v1
 * poll that kills a run whole, names a leftover still holds, one warning per task that cannot
 * get a cgroup, and the sweep of what earlier daemons left. Real cgroups: test/integration/cgroups/.
 */
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {Cgroups, cgroupFolderName} from '../../../src/core/cgroups/cgroups.js';
import {ManualClock} from '../../../src/core/clock.js';
import {tempDir} from '../../helpers/harness.js';

type Fake = {root: string; home: string; name: string; unified: string; memory: string; cpu: string};

/** A fake machine: `controllers` in the unified hierarchy, v1 memory and cpu hierarchies beside it when `v1`. */
function fake(controllers: string, v1: boolean): Fake {
	const root = tempDir('tm-fake-cgroupfs-');
	const home = path.join(root, 'home');
	const dirs = {unified: path.join(root, 'unified', 'daemon'), memory: path.join(root, 'memory', 'session'), cpu: path.join(root, 'cpu')};
	for (const dir of Object.values(dirs)) {
		mkdirSync(dir, {recursive: true});
	}

	writeFileSync(path.join(dirs.unified, 'cgroup.controllers'), controllers);
	if (v1) {
		writeFileSync(path.join(dirs.memory, 'memory.limit_in_bytes'), '9223372036854771712');
		writeFileSync(path.join(dirs.cpu, 'cpu.cfs_quota_us'), '-1');
	}

	return {root, home, name: cgroupFolderName(home), ...dirs};
}

function cgroups(machine: Fake, options: {off?: string; clock?: ManualClock; warnings?: string[]; unified?: string | null} = {}): Cgroups {
	return new Cgroups({
		home: machine.home,
		off: options.off ?? null,
		clock: options.clock ?? new ManualClock(),
		pollMs: 1000,
		warn: message => options.warnings?.push(message),
		spawnProblem: null,
		hierarchies: {unified: options.unified === undefined ? machine.unified : options.unified, memory: machine.memory, cpu: machine.cpu},
	});
}

const read = (...parts: string[]): string => readFileSync(path.join(...parts), 'utf8');

describe('Cgroups on a fake cgroupfs', () => {
	it('unified memory and cpu controllers: enabled for tm\'s folder, memory.max with oom.group and no swap, cpu.max; oom_kill read from memory.events', () => {
		const machine = fake('cpuset cpu io memory pids', true);
		const groups = cgroups(machine);
		assert.equal(groups.open(), 'cgroup v2 + v2 memory + v2 cpu');
		assert.equal(read(machine.unified, machine.name, 'cgroup.subtree_control'), '+cpu');
		const run = groups.create({id: 'web:0', memory: 50 * 1024 * 1024, cpu: 1.5});
		const dir = path.join(machine.unified, machine.name, 'web:0');
		assert.equal(run?.path, dir);
		assert.deepEqual(run?.procsFiles, [path.join(dir, 'cgroup.procs')]);
		assert.equal(read(dir, 'memory.max'), '52428800');
		assert.equal(read(dir, 'memory.oom.group'), '1');
		assert.equal(read(dir, 'memory.swap.max'), '0');
		assert.equal(read(dir, 'cpu.max'), '150000 100000');
		assert.equal(existsSync(path.join(machine.memory, machine.name)), false, 'no v1 folder when v2 has the controller');
		assert.equal(run?.oomReason(), null);
		writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1\n');
		assert.equal(run?.oomReason(), 'oom: the kernel killed 1 process at max_memory 50M (v2 memory cgroup)');
	});

	it('a hybrid (this CI\'s machines): memory and cpu limits in v1 folders the run joins too; the v1 poll kills a run the OOM killer took a process of', () => {
		const machine = fake('hugetlb', true);
		const clock = new ManualClock();
		const groups = cgroups(machine, {clock});
		assert.equal(groups.open(), 'cgroup v2 + v1 memory + v1 cpu');
		const run = groups.create({id: 'hog', memory: 64 * 1024 * 1024, cpu: 0.5});
		const [unified, memory, cpu] = [machine.unified, machine.memory, machine.cpu].map(dir => path.join(dir, machine.name, 'hog'));
		assert.deepEqual(run?.procsFiles, [unified, memory, cpu].map(dir => path.join(dir ?? '', 'cgroup.procs')));
		assert.equal(read(memory ?? '', 'memory.limit_in_bytes'), '67108864');
		assert.equal(read(memory ?? '', 'memory.memsw.limit_in_bytes'), '67108864');
		assert.equal(read(cpu ?? '', 'cpu.cfs_period_us'), '100000');
		assert.equal(read(cpu ?? '', 'cpu.cfs_quota_us'), '50000');
		writeFileSync(path.join(unified ?? '', 'cgroup.procs'), '4242\n4243\n');
		clock.advance(1000);
		assert.equal(existsSync(path.join(unified ?? '', 'cgroup.kill')), false, 'no OOM kill yet: nothing killed');
		writeFileSync(path.join(memory ?? '', 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
		clock.advance(1000);
		assert.equal(read(unified ?? '', 'cgroup.kill'), '1', 'the whole run is killed');
		assert.match(run?.oomReason() ?? '', /^oom: the kernel killed 1 process at max_memory 64M \(v1 memory cgroup\)$/);
	});

	it('a hybrid: a run joins a v1 hierarchy only for the limit it has there (no limit: the unified folder alone)', () => {
		const machine = fake('hugetlb', true);
		const groups = cgroups(machine);
		groups.open();
		const under = (dir: string, id: string): string => path.join(dir, machine.name, id);
		const plain = groups.create({id: 'job-1', memory: null, cpu: null});
		assert.deepEqual(plain?.procsFiles, [path.join(under(machine.unified, 'job-1'), 'cgroup.procs')]);
		assert.equal(existsSync(under(machine.memory, 'job-1')), false);
		assert.equal(existsSync(under(machine.cpu, 'job-1')), false);
		const capped = groups.create({id: 'job-2', memory: 64 * 1024 * 1024, cpu: null});
		assert.deepEqual(capped?.procsFiles, [under(machine.unified, 'job-2'), under(machine.memory, 'job-2')].map(dir => path.join(dir, 'cgroup.procs')));
		assert.equal(capped?.limitsMemory, true);
		assert.equal(existsSync(under(machine.cpu, 'job-2')), false);
		const throttled = groups.create({id: 'job-3', memory: null, cpu: 0.5});
		assert.deepEqual(throttled?.procsFiles, [under(machine.unified, 'job-3'), under(machine.cpu, 'job-3')].map(dir => path.join(dir, 'cgroup.procs')));
		assert.equal(read(under(machine.cpu, 'job-3'), 'cpu.cfs_quota_us'), '50000');
		assert.equal(throttled?.limitsMemory, false);
	});

	it('a run made again under the same name at once (a restart) keeps its folder: the last run\'s removal is over before', async () => {
		const machine = fake('hugetlb', true);
		const clock = new ManualClock();
		const groups = cgroups(machine, {clock});
		groups.open();
		const first = groups.create({id: 'web', memory: null, cpu: null});
		first?.release();
		// Gone before release returns: a removal still under way (on libuv's pool) would take the
		// folder the restart makes next under the same name, before its process joined it.
		assert.equal(existsSync(first?.path ?? ''), false);
		const second = groups.create({id: 'web', memory: null, cpu: null});
		assert.equal(second?.path, first?.path, 'the name is free again');
		for (let i = 0; i < 10; i++) {
			clock.advance(1000);
			await new Promise(resolve => setImmediate(resolve));
		}

		assert.equal(existsSync(second?.path ?? ''), true, 'the new run\'s folder is still there');
	});

	it('a name whose last run is still being removed goes to no other run, so a later try of that removal takes only its own folder', () => {
		const machine = fake('', false);
		const clock = new ManualClock();
		const groups = cgroups(machine, {clock});
		groups.open();
		const folder = (name: string): string => path.join(machine.unified, machine.name, name);
		const first = groups.create({id: 'web', memory: null, cpu: null});
		// A file in a fake folder refuses rmdir, as a process still in a real cgroup does.
		writeFileSync(path.join(folder('web'), 'cgroup.procs'), '4242\n');
		first?.release();
		const second = groups.create({id: 'web', memory: null, cpu: null});
		assert.equal(second?.path, folder('web~2'));
		second?.release();
		// The first run's folder empties; the third run must still not take its name.
		rmSync(path.join(folder('web'), 'cgroup.procs'));
		const third = groups.create({id: 'web', memory: null, cpu: null});
		assert.equal(third?.path, folder('web~2'));
		clock.advance(10);
		assert.equal(existsSync(folder('web')), false, 'the first run\'s folder is gone');
		assert.equal(existsSync(third?.path ?? ''), true, 'the third run\'s is not');
		third?.release();
		assert.equal(groups.create({id: 'web', memory: null, cpu: null})?.path, folder('web'), 'the name is free once its removal is over');
	});

	it('without a limit no limit file is written; without v1 hierarchies limits are not the kernel\'s', () => {
		const machine = fake('', false);
		const groups = cgroups(machine);
		assert.equal(groups.open(), 'cgroup v2');
		const run = groups.create({id: 'plain', memory: 1024 * 1024, cpu: null});
		assert.equal(existsSync(path.join(machine.unified, machine.name, 'plain', 'memory.max')), false);
		assert.equal(run?.limitsMemory, false);
		assert.equal(run?.oomReason(), null);
	});

	it('says why tasks run in process groups: the setting, no unified hierarchy, a folder it cannot make', () => {
		const machine = fake('memory', false);
		const off = cgroups(machine, {off: 'taskmaster.cgroups: off'});
		assert.equal(off.open(), 'process groups (taskmaster.cgroups: off)');
		assert.equal(off.create({id: 'x', memory: null, cpu: null}), null);
		assert.equal(cgroups(machine, {unified: null}).open(), 'process groups (no cgroup v2 hierarchy is mounted)');
		writeFileSync(path.join(machine.root, 'a-file'), '');
		const denied = cgroups(machine, {unified: path.join(machine.root, 'a-file')});
		assert.match(denied.open(), /^process groups \(cannot make .*a-file\/tm-[0-9a-f]{12}: ENOTDIR; tm needs root, or systemd's Delegate=yes\)$/);
	});

	it('a name a leftover still holds gets a suffix; a task that cannot get a cgroup runs without, said once', () => {
		const machine = fake('', true);
		const warnings: string[] = [];
		const groups = cgroups(machine, {warnings});
		groups.open();
		// A folder that cannot be removed (it has something in it), as a populated leftover.
		mkdirSync(path.join(machine.unified, machine.name, 'web', 'child'), {recursive: true});
		assert.equal(groups.create({id: 'web', memory: null, cpu: null})?.path, path.join(machine.unified, machine.name, 'web~2'));
		// tm's v1 memory folder is not a folder any more: no run can be made in it.
		const memoryFolder = path.join(machine.memory, machine.name);
		rmSync(memoryFolder, {recursive: true});
		writeFileSync(memoryFolder, '');
		for (let i = 0; i < 3; i++) {
			assert.equal(groups.create({id: 'bad/name', memory: 1024, cpu: null}), null);
		}

		assert.equal(warnings.length, 1, warnings.join('\n'));
		assert.match(warnings[0] ?? '', /^bad\/name runs without a cgroup of its own \(its process group only; max_memory and max_cpu not enforced by the kernel\): ENOTDIR/);
		assert.equal(existsSync(path.join(machine.unified, machine.name, 'bad_name')), false, 'what was made for it is removed');
	});

	it('sweeps at start: this home\'s empty runs go, populated ones are thawed and kept; other homes\' stale empty folders go', () => {
		const machine = fake('', false);
		const own = path.join(machine.unified, machine.name);
		mkdirSync(path.join(own, 'empty-run'), {recursive: true});
		mkdirSync(path.join(own, 'busy-run'), {recursive: true});
		writeFileSync(path.join(own, 'busy-run', 'cgroup.events'), 'populated 1\nfrozen 1\n');
		const other = path.join(machine.unified, 'tm-0123456789ab');
		mkdirSync(path.join(other, 'old-run'), {recursive: true});
		const young = cgroups(machine, {clock: new ManualClock(Date.now())});
		young.open();
		assert.equal(existsSync(path.join(own, 'empty-run')), false);
		assert.equal(read(own, 'busy-run', 'cgroup.freeze'), '0');
		assert.equal(existsSync(path.join(other, 'old-run')), true, 'another home\'s run a minute old or less stays');
		cgroups(machine, {clock: new ManualClock(Date.now() + 61_000)}).open();
		assert.equal(existsSync(other), false, 'another home\'s empty folder older than a minute goes');
	});
});
