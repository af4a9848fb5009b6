/**
 * The daemon's own sampling loop: every `intervalMs` it samples CPU and memory of the tasks whose
 * limits need them (`max_memory` the kernel does not enforce, `stuck`) in one batch, then runs
 * the liveness checks (watchdog, `max_runtime`, `max_memory`, stuck) and stops what failed them
 * with a `fault`. Every task and the host are sampled at that pace while a client watches (tm
 * top, the web view) or the adaptive pool needs the host; otherwise at a pace that halves each
 * time nothing changed (no task event) down to one sample per `maxIdleGapMs` (issue 22: an idle
 * daemon costs nothing). Never on a client's request path: status documents read the last sample.
 */
import type {Clock, TimerHandle} from './clock.js';
import type {Engine} from './engine.js';
import {messageOf} from './errors.js';
import type {HostDoc} from './ipc/methods.js';
import {livenessFault} from './liveness.js';
import type {TreeSample} from './resources/sampler.js';
import type {Supervisor as Task} from './supervisor.js';

/** The longest gap between two samples of everything while nothing changes and nobody watches. */
export const maxIdleGapMs = 60_000;

/** What the monitor needs of the resource sampler (`resources/sampler.ts`). */
export type Sampler = {
	sample(roots: number[], now: number): Promise<Map<number, TreeSample>>;
	forget(root: number): void;
};

export type MonitorDeps = {
	engine: Engine;
	clock: Clock;
	sampler: Sampler;
	sampleHost(): Promise<HostDoc>;
	intervalMs: number;
	/** Processes re-parented to the daemon, by the task attempt (`id@attempt`) that made them. */
	adopted?(): Map<string, number[]>;
	/** Each host sample, once taken (the adaptive pool: core/slots.ts). */
	onHost?(host: HostDoc): void;
	/** Whether a client watches (everything is sampled at every tick then). */
	watched?(): boolean;
	/** Whether the host is wanted at every tick (the adaptive pool). */
	hostEveryTick?(): boolean;
	onWarning?(message: string): void;
};

/** Whether a task's limits read its samples at every tick: a `max_memory` the kernel does not enforce, `stuck`. */
export function needsSamples(task: Pick<Task, 'spec' | 'memoryByKernel'>): boolean {
	return (task.spec.maxMemory !== null && !task.memoryByKernel) || task.spec.stuck !== null;
}

/** The samples of a task's own tree and of the orphans it made, as one. */
function combined(samples: Array<TreeSample | undefined>): TreeSample | undefined {
	const [first, ...rest] = samples;
	if (first === undefined) {
		return undefined;
	}

	return rest.reduce<TreeSample>(
		(sum, sample) =>
			sample === undefined
				? sum
				: {cpuPercent: sum.cpuPercent + sample.cpuPercent, rss: sum.rss + sample.rss, cpuSeconds: sum.cpuSeconds + sample.cpuSeconds, processes: sum.processes + sample.processes},
		first,
	);
}

export class Monitor {
	/** The last host sample, or null before the first. */
	host: HostDoc | null = null;
	private timer: TimerHandle | null = null;
	private stopped = false;
	private roots = new Set<number>();
	private readonly deps: MonitorDeps;
	/** When everything is sampled next, unless a client watches; and the gap after that one. */
	private fullAt = 0;
	private fullGapMs: number;
	private offEvents: (() => void) | null = null;

	constructor(deps: MonitorDeps) {
		this.deps = deps;
		this.fullGapMs = deps.intervalMs;
	}

	start(): void {
		// A task event is a change: everything is sampled at the next tick, and the gap starts short again.
		this.offEvents = this.deps.engine.on(() => {
			this.fullAt = 0;
			this.fullGapMs = this.deps.intervalMs;
		});
		this.next();
	}

	stop(): void {
		this.stopped = true;
		this.timer?.cancel();
		this.offEvents?.();
	}

	/**
	 * One tick: samples what needs it (everything when a client watches or the idle gap is over),
	 * then checks every task; resolves when done (tests call it directly).
	 */
	async tick(): Promise<void> {
		const {engine, clock, sampler} = this.deps;
		const now = clock.now();
		const everything = (this.deps.watched?.() ?? false) || now >= this.fullAt;
		if (everything) {
			this.fullAt = now + this.fullGapMs;
			this.fullGapMs = Math.min(this.fullGapMs * 2, Math.max(maxIdleGapMs, this.deps.intervalMs));
		}

		// Only tasks holding slots have a process: a queue of 100,000 jobs is not walked at every tick.
		const running = engine.queue.holding().filter(task => task.pid !== null && task.run !== null);
		const live = everything ? running : running.filter(task => needsSamples(task));
		const adopted = live.length === 0 ? new Map<string, number[]>() : (this.deps.adopted?.() ?? new Map<string, number[]>());
		const trees = live.map(task => [task.pid ?? 0, ...(adopted.get(`${task.id}@${task.record.attempt}`) ?? [])]);
		const roots = trees.flat();
		const samples = roots.length === 0 ? new Map<number, TreeSample>() : await sampler.sample(roots, now);
		live.forEach((task, i) => {
			const [main = 0, ...orphans] = trees[i] ?? [];
			// Only a task still on the process it was sampled as (it may have restarted meanwhile).
			const sample = task.pid === main ? combined([samples.get(main), ...orphans.map(pid => samples.get(pid))]) : undefined;
			if (sample) {
				task.sampled({cpu: sample.cpuPercent, rss: sample.rss, cpuSeconds: sample.cpuSeconds});
			}
		});

		// Roots gone since the last sample of everything are forgotten at the next one (a tick of a
		// few tasks says nothing of the others).
		if (everything) {
			const current = new Set(roots);
			for (const root of this.roots) {
				if (!current.has(root)) {
					sampler.forget(root);
				}
			}

			this.roots = current;
		} else {
			for (const root of roots) {
				this.roots.add(root);
			}
		}

		let host: HostDoc | null = null;
		if (everything || (this.deps.hostEveryTick?.() ?? false)) {
			try {
				host = await this.deps.sampleHost();
				this.host = host;
			} catch (error) {
				this.deps.onWarning?.(`host sample failed: ${messageOf(error)}`);
			}
		}

		if (host !== null) {
			this.deps.onHost?.(host);
		}

		for (const task of engine.queue.holding()) {
			if (task.run === null) {
				continue;
			}

			const fault = livenessFault(task.spec, task.record.state.kind, task.run, engine.config.daemon.taskTimeoutMs, clock.now(), task.memoryByKernel);
			if (fault !== null) {
				task.dispatch({type: 'fault', reason: fault.reason, cause: fault.cause});
			}
		}
	}

	private next(): void {
		if (this.stopped) {
			return;
		}

		this.timer = this.deps.clock.at(this.deps.clock.now() + this.deps.intervalMs, () => {
			this.tick().then(
				() => this.next(),
				(error: unknown) => {
					this.deps.onWarning?.(`sampling failed: ${messageOf(error)}`);
					this.next();
				},
			);
		});
	}
}
