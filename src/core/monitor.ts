/**
 * The daemon's own sampling loop: every `intervalMs` it samples CPU and memory of every task's
 * process tree in one batch, and the host, then runs the liveness checks (watchdog,
 * `max_runtime`, `max_memory`, stuck) and stops what failed them with a `fault`. Never on a
 * client's request path: status documents read the last sample.
 */
import type {Clock, TimerHandle} from './clock.js';
import type {Engine} from './engine.js';
import {messageOf} from './errors.js';
import type {HostDoc} from './ipc/methods.js';
import {livenessFault} from './liveness.js';
import type {TreeSample} from './resources/sampler.js';

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
	onWarning?(message: string): void;
};

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

	constructor(deps: MonitorDeps) {
		this.deps = deps;
	}

	start(): void {
		this.next();
	}

	stop(): void {
		this.stopped = true;
		this.timer?.cancel();
	}

	/** One sample and check of everything; resolves when done (tests call it directly). */
	async tick(): Promise<void> {
		const {engine, clock, sampler} = this.deps;
		const live = engine.list().filter(task => task.pid !== null && task.run !== null);
		const adopted = this.deps.adopted?.() ?? new Map<string, number[]>();
		const trees = live.map(task => [task.pid ?? 0, ...(adopted.get(`${task.id}@${task.record.attempt}`) ?? [])]);
		const roots = trees.flat();
		const samples = await sampler.sample(roots, clock.now());
		live.forEach((task, i) => {
			const [main = 0, ...orphans] = trees[i] ?? [];
			// Only a task still on the process it was sampled as (it may have restarted meanwhile).
			const sample = task.pid === main ? combined([samples.get(main), ...orphans.map(pid => samples.get(pid))]) : undefined;
			if (sample) {
				task.sampled({cpu: sample.cpuPercent, rss: sample.rss, cpuSeconds: sample.cpuSeconds});
			}
		});

		const current = new Set(roots);
		for (const root of this.roots) {
			if (!current.has(root)) {
				sampler.forget(root);
			}
		}

		this.roots = current;
		let host: HostDoc | null = null;
		try {
			host = await this.deps.sampleHost();
			this.host = host;
		} catch (error) {
			this.deps.onWarning?.(`host sample failed: ${messageOf(error)}`);
		}

		if (host !== null) {
			this.deps.onHost?.(host);
		}

		for (const task of engine.list()) {
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
