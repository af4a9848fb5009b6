/**
 * What the daemon does beside supervising, on its own clock: retention (finished jobs leave the
 * live list, then tm.db loses their rows and old history, in batches), the sampling and liveness
 * monitor, cron schedules, and handing the executable's start-up pages back (memory.ts). Made
 * before the control socket (its host sample is part of `status`), started once tm.db is open.
 */
import type {Clock, TimerHandle} from '../clock.js';
import type {Engine} from '../engine.js';
import {messageOf} from '../errors.js';
import type {HostDoc} from '../ipc/methods.js';
import {StartupPages} from '../memory.js';
import {Monitor} from '../monitor.js';
import type {PruneResult} from '../ports.js';
import {CpuBusy} from '../resources/cpu-busy.js';
import {sampleHost} from '../resources/host.js';
import {adoptedByTask} from '../process/reaper.js';
import {ResourceSampler} from '../resources/sampler.js';
import {Schedules} from '../schedules.js';
import type {DaemonLog} from './daemon-log.js';

/** What retention needs of the store. */
export type Pruner = {prune(options: {now: number; finishedMs: number; historyMs: number; batchSize: number}): PruneResult};

export type HousekeepingDeps = {
	engine: Engine;
	clock: Clock;
	/** Whose disk the host sample reports. */
	home: string;
	log: DaemonLog;
	/** The control socket: tasks carry it in their environment (TM_SOCKET), and so do their orphans. */
	socketPath: string | null;
	warn(message: string): void;
	/** Each host sample (the adaptive pool). */
	onHost?(host: HostDoc): void;
	/** The host as sampled: tests give their own; else /proc, the home's file system and /proc/stat. */
	sampleHost?(): Promise<HostDoc>;
	/** Whether a client watches (tm top, the web view): every task is sampled at every tick then. */
	watched?(): boolean;
	/** Whether the adaptive pool needs the host at every tick. */
	hostEveryTick?(): boolean;
};

const pruneBatch = 500;

export class Housekeeping {
	readonly monitor: Monitor;
	readonly #deps: HousekeepingDeps;
	readonly #schedules: Schedules;
	readonly #pages: StartupPages;
	#pruneTimer: TimerHandle | null = null;

	constructor(deps: HousekeepingDeps) {
		const {engine, clock, home, warn, socketPath, onHost} = deps;
		this.#deps = deps;
		const cpu = new CpuBusy();
		this.monitor = new Monitor({
			engine,
			clock,
			sampler: new ResourceSampler(),
			sampleHost: deps.sampleHost ?? (async () => ({...(await sampleHost(home)), cpuBusy: await cpu.sample()})),
			intervalMs: engine.config.daemon.sampleIntervalMs,
			adopted: socketPath === null ? undefined : () => adoptedByTask(socketPath),
			onWarning: warn,
			onHost,
			watched: deps.watched,
			hostEveryTick: deps.hostEveryTick,
		});
		this.#schedules = new Schedules(engine, clock, warn);
		this.#pages = new StartupPages(clock);
	}

	/** The last host sample, or null before the first. */
	get host(): HostDoc | null {
		return this.monitor.host;
	}

	/** Retention's first pass comes one cleanup interval after `startedAt`; sampling starts now. */
	start(store: Pruner, startedAt: number): void {
		this.#pruneTimer = this.#deps.clock.at(startedAt + this.#deps.engine.config.daemon.cleanupIntervalMs, () => this.#prune(store));
		this.monitor.start();
	}

	/** A burst of work is over (start-up, a reload): schedules armed again (specs may have changed), pages handed back once quiet. */
	settled(): void {
		this.#schedules.refresh();
		this.#pages.settle();
	}

	stop(): void {
		this.#pruneTimer?.cancel();
		this.#pages.stop();
		this.monitor.stop();
		this.#schedules.stop();
	}

	#prune(store: Pruner): void {
		const {engine, clock, warn} = this.#deps;
		// The daemon section as it is now: a reload may have changed retention and the interval.
		const {retention, cleanupIntervalMs} = engine.config.daemon;
		const again = (): void => this.#prune(store);
		try {
			// Finished jobs leave the live list first, then the store loses their rows and old history.
			engine.forgetFinishedJobs(clock.now() - retention.finishedMs);
			const result = store.prune({now: clock.now(), finishedMs: retention.finishedMs, historyMs: retention.historyMs, batchSize: pruneBatch});
			// More to do: carry on in a later turn, so the daemon never stalls on a big cleanup.
			this.#pruneTimer = clock.at(clock.now() + (result.more ? 0 : cleanupIntervalMs), again);
		} catch (error) {
			warn(`cleanup failed, retrying later: ${messageOf(error)}`);
			this.#pruneTimer = clock.at(clock.now() + cleanupIntervalMs, again);
		}
	}
}
