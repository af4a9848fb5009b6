/**
 * The resource sampler on real process trees: busy loops, stopped loops, children, orphans kept
 * by their process group, 100 MB of memory, roots that exit.
 */
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {once} from 'node:events';
import {afterEach, describe, it} from 'node:test';
import {ResourceSampler, type TreeSample} from '../../src/core/resources/sampler.js';
import {alive, waitFor} from '../helpers/wait.js';

const MB = 1024 * 1024;
const started: ChildProcess[] = [];

/** A child in its own process group (and session), like the spawner starts tasks. */
function start(command: string, args: string[]): ChildProcess & {pid: number} {
	const child = spawn(command, args, {detached: true, stdio: 'ignore'});
	started.push(child);
	assert.ok(child.pid, `${command} started`);
	return child as ChildProcess & {pid: number};
}

afterEach(async () => {
	for (const child of started.splice(0)) {
		try {
			process.kill(-(child.pid as number), 'SIGKILL');
		} catch {
			// the group is already gone
		}

		if (child.exitCode === null && child.signalCode === null) {
			await once(child, 'exit');
		}
	}
});

/** Samples `root` with the sampler until `accept` holds; each probe is one sample at the time of the call. */
function sampleUntil(sampler: ResourceSampler, root: number, accept: (s: TreeSample | undefined) => boolean, what: string, interval = 250): Promise<TreeSample | undefined> {
	return waitFor(async () => (await sampler.sample([root], Date.now())).get(root), accept, {timeout: 15_000, interval, what});
}

/** The pids whose parent is `pid` (Linux ≥ 3.5 lists them per thread). */
function childrenOf(pid: number): number[] {
	const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
	return text === '' ? [] : text.split(' ').map(Number);
}

function rssOf(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[21]) * 4096;
}

/** Every process in process group `pgrp`, with its parent. */
function groupMembers(pgrp: number): Array<{pid: number; ppid: number}> {
	const members: Array<{pid: number; ppid: number}> = [];
	for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) === pgrp) {
				members.push({pid: Number(name), ppid: Number(fields[1])});
			}
		} catch {
			// exited while listed
		}
	}

	return members;
}

function stateOf(pid: number): string {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('ResourceSampler on real processes', () => {
	it('a busy loop in its own group shows its CPU use (over 10% even on a loaded machine)', async () => {
		const loop = start('sh', ['-c', 'while :; do :; done']);
		const sampler = new ResourceSampler();
		const first = (await sampler.sample([loop.pid], Date.now())).get(loop.pid);
		assert.equal(first?.cpuPercent, 0);
		assert.equal(first?.processes, 1);
		await sampleUntil(sampler, loop.pid, (s) => (s?.cpuPercent ?? 0) > 10, 'cpuPercent > 10');
	});

	it('a SIGSTOPped busy loop goes to ~0% CPU, and its CPU seconds stop growing', async () => {
		const loop = start('sh', ['-c', 'while :; do :; done']);
		const sampler = new ResourceSampler();
		await sampleUntil(sampler, loop.pid, (s) => (s?.cpuPercent ?? 0) > 10, 'cpuPercent > 10 before the stop');
		process.kill(-loop.pid, 'SIGSTOP');
		await waitFor(() => stateOf(loop.pid), (state) => state === 'T', {what: 'state T'});
		const stopped = await sampleUntil(sampler, loop.pid, (s) => s !== undefined && s.cpuPercent < 1, 'cpuPercent ~0 after SIGSTOP');
		const later = await sampleUntil(sampler, loop.pid, (s) => s !== undefined, 'a later sample');
		assert.equal(later?.cpuSeconds, stopped?.cpuSeconds);
		assert.equal(later?.cpuPercent, 0);
		process.kill(-loop.pid, 'SIGCONT');
	});

	it('a shell running short-lived commands shows their CPU (reaped children count)', async () => {
		// Each `true` is a fork and an exec that lives a millisecond: never seen by a scan.
		const loop = start('sh', ['-c', 'while :; do /bin/true; done']);
		const sampler = new ResourceSampler();
		await sampleUntil(sampler, loop.pid, (s) => (s?.cpuPercent ?? 0) > 10, 'cpuPercent > 10');
	});

	it('a shell with two background sleeps is 3 processes, and its rss is their sum', async () => {
		const shell = start('sh', ['-c', 'sleep 1000 & sleep 1000 & wait']);
		const sampler = new ResourceSampler();
		// A forked child is briefly a copy of sh before it execs sleep, and a new sleep touches
		// pages until it settles; compare once the tree is settled (all asleep).
		const settled = await waitFor(
			async () => {
				const sample = (await sampler.sample([shell.pid], Date.now())).get(shell.pid);
				const members = [shell.pid, ...childrenOf(shell.pid)];
				const names = members.slice(1).map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
				return {sample, members, names, states: members.map(stateOf), memberRss: members.map(rssOf)};
			},
			({sample, names, states, memberRss}) =>
				names.length === 2 && names.every((n) => n === 'sleep') && states.every((s) => s === 'S') && memberRss.every((rss) => rss > 0) && sample?.rss === memberRss.reduce((a, b) => a + b, 0),
			{timeout: 10_000, interval: 20, what: 'the sum of the members\' rss'},
		);
		assert.equal(settled.sample?.processes, 3);
		assert.equal(settled.members.length, 3);
		assert.ok(settled.memberRss.every((rss) => rss > 0 && (settled.sample?.rss ?? 0) > rss));
	});

	it('an orphan adopted by init stays in the tree through the process group', async () => {
		// The subshell starts a sleep and exits at once: the sleep is re-parented (to init or a
		// subreaper), no longer a descendant of the root, but still in its group.
		const shell = start('sh', ['-c', '(sleep 1000 &); sleep 1000']);
		const sampler = new ResourceSampler();
		const settled = await waitFor(
			async () => {
				const sample = (await sampler.sample([shell.pid], Date.now())).get(shell.pid);
				const group = groupMembers(shell.pid);
				return {sample, group, children: childrenOf(shell.pid)};
			},
			({sample, group, children}) => sample?.processes === 3 && group.length === 3 && children.length === 1 && group.some((m) => m.ppid !== shell.pid && m.pid !== shell.pid),
			{timeout: 10_000, interval: 20, what: 'the root, its sleep and the orphan'},
		);
		assert.equal(settled.sample?.processes, 3);
	});

	it('a child holding 100 MB shows an rss above 100 MB', async () => {
		const hog = start(process.execPath, ['-e', 'const b=Buffer.alloc(100*1024*1024,1); setInterval(()=>{},1000)']);
		const sampler = new ResourceSampler();
		const sample = await sampleUntil(sampler, hog.pid, (s) => (s?.rss ?? 0) > 100 * MB, 'rss > 100 MB', 50);
		assert.ok((sample?.rss ?? 0) < 400 * MB, `rss ${sample?.rss}`);
	});

	it('a root that exited is absent from the map, and its history is dropped', async () => {
		const sleeper = start('sleep', ['1000']);
		const other = start('sleep', ['1000']);
		const sampler = new ResourceSampler();
		const before = await sampler.sample([sleeper.pid, other.pid], Date.now());
		assert.deepEqual([...before.keys()].sort(), [sleeper.pid, other.pid].sort());
		process.kill(-sleeper.pid, 'SIGKILL');
		await once(sleeper, 'exit');
		await waitFor(() => alive(sleeper.pid), (a) => !a, {what: 'the sleeper gone'});
		const after = await sampler.sample([sleeper.pid, other.pid], Date.now());
		assert.deepEqual([...after.keys()], [other.pid]);
		assert.equal(sampler.tracked, 1);
	});

	it('never throws for pids that do not exist', async () => {
		const sampler = new ResourceSampler();
		const samples = await sampler.sample([0, -1, 2 ** 22 + 7, 999_999_999], Date.now());
		assert.equal(samples.size, 0);
	});
});
