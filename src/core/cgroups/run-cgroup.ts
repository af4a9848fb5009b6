/**
 * One run's cgroups: its folder in the unified hierarchy (tracking, `cgroup.kill`,
 * `cgroup.freeze`) and, where the limits live in v1 hierarchies, its folders there. Made by
 * `Cgroups.create` (cgroups.ts) before the process starts; the process joins them before its exec
 * (the spawn addon); removed once the process tree is gone.
 */
import type {Clock} from '../clock.js';
import {shortSize} from '../liveness.js';
import {cgroupPids, keyedCounters, readCgroupFile, removeCgroup, writeCgroupFile} from './files.js';
import {signalProcess} from '../process/native-spawn.js';
import type {LimitFolder} from './limits.js';

/** What a run's cgroup is made for: the task (its folder's name) and the limits the kernel enforces (bytes, CPUs). */
export type CgroupRequest = {id: string; memory: number | null; cpu: number | null};

/** Delays between tries to remove a run's cgroup: its last processes may take a moment to exit. */
const removeRetriesMs = [10, 50, 200, 1000, 5000];

export class TaskCgroup {
	/** The folder in the unified hierarchy. */
	readonly path: string;
	readonly #folders: string[];
	readonly #memory: LimitFolder | null;
	readonly #maxMemory: number | null;
	readonly #clock: Clock;
	/** Told once its folders are gone, or no longer tried: from then on they are not its own. */
	readonly #settled: (cgroup: TaskCgroup) => void;
	#released = false;

	constructor(unified: string, v1: string[], memory: {folder: LimitFolder; limit: number} | null, clock: Clock, settled: (cgroup: TaskCgroup) => void = () => {}) {
		this.path = unified;
		this.#folders = [unified, ...v1];
		this.#memory = memory?.folder ?? null;
		this.#maxMemory = memory?.limit ?? null;
		this.#clock = clock;
		this.#settled = settled;
	}

	/** The files the process writes itself into before its exec (v1 ones too). */
	get procsFiles(): string[] {
		return this.#folders.map(dir => `${dir}/cgroup.procs`);
	}

	/** Whether the kernel limits its memory here (and so may kill it for memory). */
	get limitsMemory(): boolean {
		return this.#memory !== null;
	}

	/** Every live process of the task, wherever it went in its session or process group. */
	pids(): number[] {
		return cgroupPids(this.path);
	}

	/** Kills every process in it, at once (`cgroup.kill`; SIGKILL to each pid on a kernel without it). */
	kill(): void {
		try {
			writeCgroupFile(this.path, 'cgroup.kill', '1');
		} catch {
			for (const pid of this.pids()) {
				signalProcess(pid, 'SIGKILL');
			}
		}
	}

	/** Freezes (or thaws) every process in it: no signal the program could see or handle. */
	freeze(frozen: boolean): void {
		writeCgroupFile(this.path, 'cgroup.freeze', frozen ? '1' : '0');
	}

	/** How many processes the kernel's OOM killer took in it: `memory.events` (v2) or `memory.oom_control` (v1). */
	oomKills(): number {
		if (this.#memory === null) {
			return 0;
		}

		const file = this.#memory.kind === 'v2' ? 'memory.events' : 'memory.oom_control';
		return keyedCounters(readCgroupFile(this.#memory.dir, file)).get('oom_kill') ?? 0;
	}

	/** The reason a run ended when the kernel killed it for memory; null when it did not. */
	oomReason(): string | null {
		const kills = this.oomKills();
		if (kills === 0 || this.#maxMemory === null) {
			return null;
		}

		const processes = kills === 1 ? '1 process' : `${kills} processes`;
		return `oom: the kernel killed ${processes} at max_memory ${shortSize(this.#maxMemory)} (${this.#memory?.kind} memory cgroup)`;
	}

	/** Once released: its folders are gone, or tried for long enough (the next daemon's start removes them). */
	get released(): boolean {
		return this.#released;
	}

	/** Removes its folders once no process is left in them, trying again for a few seconds. */
	release(): void {
		if (!this.#released) {
			this.#released = true;
			this.#remove(0);
		}
	}

	#remove(attempt: number): void {
		// No look at `populated` first: an rmdir of a cgroup still holding a process fails (EBUSY).
		if (this.#folders.every(dir => removeCgroup(dir))) {
			this.#settled(this);
			return;
		}

		const delay = removeRetriesMs[attempt];
		if (delay === undefined) {
			this.#settled(this);
		} else {
			this.#clock.at(this.#clock.now() + delay, () => this.#remove(attempt + 1));
		}
	}
}
