/**
 * The daemon's cgroups: a folder `tm-<hash of the home>` under the daemon's own cgroup in each
 * hierarchy tm uses (parents.ts), and in it one cgroup per run of a task (`create`). The unified
 * (v2) one tracks the run's processes, kills them all (`cgroup.kill`: a double fork that left the
 * process group goes too) and freezes them (`tm pause`); `max_memory` and `max_cpu` become the
 * kernel's limits where a memory or cpu controller is found (limits.ts).
 *
 * Where no cgroup can be made (not root and no delegation, no unified hierarchy, the spawn addon
 * missing: it is what puts a process into its cgroups before its exec), or `taskmaster.cgroups:
 * off`, `mode` says so and tasks run in process groups only, their limits sampled as before.
 *
 * Nothing leaks: a run's cgroup goes when its processes are gone (run-cgroup.ts), the daemon's
 * folders at shutdown, and what earlier daemons left at the next start (sweep.ts).
 */
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import type {Clock, TimerHandle} from '../clock.js';
import {messageOf} from '../errors.js';
import {populated, removeCgroup, subfolders} from './files.js';
import {readHierarchies, type Hierarchies} from './layout.js';
import {limitCpu, limitMemory, type LimitFolder} from './limits.js';
import {cgroupFolderName, makeParents, modeOf, parentDirs, type Parents} from './parents.js';
import {TaskCgroup, type CgroupRequest} from './run-cgroup.js';
import {removeStale, sweepOwn} from './sweep.js';

export {cgroupFolderName} from './parents.js';

export type CgroupsOptions = {
	home: string;
	/** Why tasks must run in process groups only (`taskmaster.cgroups: off`, TM_CGROUPS=off); null: cgroups where they can be made. */
	off: string | null;
	clock: Clock;
	/** How often v1 memory cgroups are looked at for an OOM kill (v2 kills the whole group itself). */
	pollMs: number;
	warn(message: string): void;
	/** Why a process cannot join its cgroups before its exec (the spawn addon is missing); null when it can. */
	spawnProblem: string | null;
	/** The daemon's cgroups (tests); default: this machine's. */
	hierarchies?: Hierarchies;
};

/** A task id as a folder name. */
const folderName = (id: string): string => id.replace(/[^\w.:#@-]/g, '_');

export class Cgroups {
	readonly #options: CgroupsOptions;
	readonly #name: string;
	#hierarchies: Hierarchies | null = null;
	#parents: Parents | null = null;
	#mode: string;
	/** Names of a killed daemon's runs still populated at start (owned in `#owners`): killed once recovery is over. */
	#leftovers: string[] = [];
	/** Runs with a v1 memory limit: the kernel kills one process there, tm the rest (v2 has `memory.oom.group`). */
	readonly #watched = new Set<TaskCgroup>();
	#poll: TimerHandle | null = null;
	readonly #warned = new Set<string>();
	/**
	 * Runs by folder name while the folder is theirs (made, a killed daemon's left at start, or
	 * released and still being removed): no other run gets that name meanwhile, so a removal tried
	 * again later never takes the folder of a restart made under the same name.
	 */
	readonly #owners = new Map<string, TaskCgroup>();

	constructor(options: CgroupsOptions) {
		this.#options = options;
		this.#name = cgroupFolderName(options.home);
		this.#mode = `process groups (${options.off ?? 'cgroups not set up yet'})`;
	}

	/** What isolates tasks: `cgroup v2 + v1 memory + v1 cpu`, or `process groups (why)`. */
	get mode(): string {
		return this.#mode;
	}

	/** tm's folder in the unified hierarchy; null without cgroups. */
	get folder(): string | null {
		return this.#parents?.unified ?? null;
	}

	/** Makes tm's folders and sweeps what earlier daemons left; returns the mode. Called once the socket is ours: a second daemon on this home never gets here. */
	open(): string {
		const {off, spawnProblem, clock} = this.#options;
		if (off !== null) {
			return this.#mode;
		}

		const hierarchies = this.#options.hierarchies ?? readHierarchies();
		try {
			if (spawnProblem !== null) {
				throw new Error(`the spawn addon is not loaded: ${spawnProblem}`);
			}

			this.#parents = makeParents(hierarchies, this.#name);
			this.#hierarchies = hierarchies;
		} catch (error) {
			const advice = hierarchies.unified !== null && spawnProblem === null ? "; tm needs root, or systemd's Delegate=yes" : '';
			this.#mode = `process groups (${messageOf(error)}${advice})`;
			return this.#mode;
		}

		this.#mode = modeOf(this.#parents);
		const v1 = parentDirs(this.#parents).slice(1);
		for (const name of sweepOwn(this.#parents)) {
			this.#owners.set(name, new TaskCgroup(path.join(this.#parents.unified, name), v1.map(dir => path.join(dir, name)), null, clock, this.#owned(name)));
			this.#leftovers.push(name);
		}

		removeStale(this.#parents, this.#name, clock.now());
		return this.#mode;
	}

	/**
	 * After recovery stopped what a killed daemon left: whatever is still in its runs' cgroups is
	 * killed, and they are removed. After a reboot (a new boot id) they are left alone: a pid of
	 * another boot is never signalled, and a real reboot leaves no populated cgroup anyway.
	 */
	sweepLeftovers(rebooted: boolean): void {
		for (const name of this.#leftovers.splice(0)) {
			const run = this.#owners.get(name);
			if (rebooted) {
				this.#owners.delete(name);
			} else {
				// Owned until removed: a task's new run under the same name meanwhile gets a suffix.
				run?.kill();
				run?.release();
			}
		}
	}

	/**
	 * A run's cgroups, made and limited before its process starts; null without cgroups, or when
	 * they cannot be made (said once per task: it then runs in its process group only).
	 */
	create(request: CgroupRequest): TaskCgroup | null {
		if (this.#parents === null) {
			return null;
		}

		try {
			return this.#make(folderName(request.id), request);
		} catch (error) {
			if (!this.#warned.has(request.id)) {
				this.#warned.add(request.id);
				this.#options.warn(`${request.id} runs without a cgroup of its own (its process group only; max_memory and max_cpu not enforced by the kernel): ${messageOf(error)}`);
			}

			return null;
		}
	}

	#make(base: string, request: CgroupRequest): TaskCgroup {
		try {
			return this.#makeIn(base, request);
		} catch (error) {
			// Another daemon may have removed this home's folders while they were empty: made again.
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				throw error;
			}

			this.#parents = makeParents(this.#hierarchies ?? readHierarchies(), this.#name);
			return this.#makeIn(base, request);
		}
	}

	/** No lookup before the mkdir: on cgroupfs a lookup waits on the same lock as the mkdir, so a run costs one. */
	#makeIn(base: string, request: CgroupRequest): TaskCgroup {
		const parents = this.#parents;
		if (parents === null) {
			throw new Error('no cgroups');
		}

		// A v1 hierarchy's folder only for the limit it holds: a run without limits is one folder to
		// make, join and remove, not three (each a pass through the kernel's cgroup lock).
		const limited = (folder: LimitFolder | null, limit: number | null): LimitFolder | null => (folder !== null && limit !== null ? folder : null);
		const memoryParent = limited(parents.memory, request.memory);
		const cpuParent = limited(parents.cpu, request.cpu);
		const dirs = [...new Set([parents.unified, memoryParent?.dir ?? parents.unified, cpuParent?.dir ?? parents.unified])];
		// A name a killed daemon's run held at start (killed whole once recovery is over, so never
		// reused before), or one still being made or removed, gets a suffix.
		for (let n = 1; n <= 100; n++) {
			const name = n === 1 ? base : `${base}~${n}`;
			const made = this.#owners.has(name) ? null : makeFolders(dirs, name);
			if (made === null) {
				continue;
			}

			try {
				const at = (folder: LimitFolder): LimitFolder => ({kind: folder.kind, dir: path.join(folder.dir, name)});
				const memory = memoryParent !== null && request.memory !== null ? {folder: at(memoryParent), limit: request.memory} : null;
				if (memory !== null) {
					limitMemory(memory.folder, memory.limit);
				}

				if (cpuParent !== null && request.cpu !== null) {
					limitCpu(at(cpuParent), request.cpu);
				}

				const cgroup = new TaskCgroup(made[0] ?? '', made.slice(1), memory, this.#options.clock, this.#owned(name));
				if (memory?.folder.kind === 'v1') {
					this.#watch(cgroup);
				}

				this.#owners.set(name, cgroup);
				return cgroup;
			} catch (error) {
				for (const dir of made) {
					removeCgroup(dir);
				}

				throw error;
			}
		}

		throw new Error(`${base}~2 to ${base}~100 are all taken in ${parents.unified}`);
	}

	/** Called by a run once its folders are no longer its own: the name is free again. */
	#owned(name: string): (cgroup: TaskCgroup) => void {
		return cgroup => {
			if (this.#owners.get(name) === cgroup) {
				this.#owners.delete(name);
			}
		};
	}

	/** Looks at the v1 memory cgroups every `pollMs`: a run the kernel took a process of for memory is killed whole. */
	#watch(cgroup: TaskCgroup): void {
		this.#watched.add(cgroup);
		const {clock, pollMs} = this.#options;
		const tick = (): void => {
			for (const watched of this.#watched) {
				if (watched.released) {
					this.#watched.delete(watched);
				} else if (watched.oomKills() > 0 && watched.pids().length > 0) {
					watched.kill();
				}
			}

			this.#poll = this.#watched.size === 0 ? null : clock.at(clock.now() + pollMs, tick);
		};

		this.#poll ??= clock.at(clock.now() + pollMs, tick);
	}

	/**
	 * At shutdown, once every task has stopped: tm's folders go, after the last killed processes
	 * have left them (a second at most); what still holds processes stays for the next start.
	 */
	async close(): Promise<void> {
		this.#poll?.cancel();
		this.#poll = null;
		const {clock} = this.#options;
		const unified = this.#parents?.unified;
		for (let waited = 0; unified !== undefined && populated(unified) && waited < 1000; waited += 20) {
			await new Promise<void>(resolve => clock.at(clock.now() + 20, resolve));
		}

		for (const parent of parentDirs(this.#parents)) {
			for (const name of subfolders(parent)) {
				removeCgroup(path.join(parent, name));
			}

			removeCgroup(parent);
		}
	}
}

/** `name` made in each of `dirs` (an empty one left there is taken over); null when one holds it still. Throws on other errors; either way what it made is removed again. */
function makeFolders(dirs: string[], name: string): string[] | null {
	const made: string[] = [];
	let kept = false;
	try {
		for (const dir of dirs) {
			const folder = path.join(dir, name);
			if (!makeFolder(folder)) {
				return null;
			}

			made.push(folder);
		}

		kept = true;
		return made;
	} finally {
		if (!kept) {
			for (const done of made) {
				removeCgroup(done);
			}
		}
	}
}

/** Makes `folder`, or takes over an empty one of that name; false when one with processes is there. */
function makeFolder(folder: string): boolean {
	try {
		mkdirSync(folder);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
			throw error;
		}

		if (!removeCgroup(folder)) {
			return false;
		}

		mkdirSync(folder);
	}

	return true;
}
