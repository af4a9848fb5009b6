/**
 * Liveness checks of a running task (SPEC §2–3): the watchdog, `max_runtime`, `max_memory` and
 * the stuck detector. Pure: given what was observed of the current run, the reason to stop it
 * (as a `fault`), or null. Paused time counts against none of them.
 */
import type {FaultCause, Millis, StateKind, TaskSpec} from './model.js';

/** What is known of the current run. Times are the injected clock's. */
export type RunFacts = {
	/** When the process was spawned. */
	startedAt: Millis;
	/** Paused time so far (SIGSTOP to SIGCONT). */
	pausedMs: number;
	pausedAt: Millis | null;
	resumedAt: Millis | null;
	/** The last heartbeat of this run (WATCHDOG=1), or null. */
	heartbeatAt: Millis | null;
	/** The last output line of this run, or null. */
	outputAt: Millis | null;
	/** Since when every CPU sample stayed under `stuck.cpu_below`, or null. */
	lowCpuSince: Millis | null;
	/** The last samples of the process tree, or null before the first. */
	cpu: number | null;
	rss: number | null;
	cpuSeconds: number | null;
};

export function newRun(now: Millis): RunFacts {
	return {startedAt: now, pausedMs: 0, pausedAt: null, resumedAt: null, heartbeatAt: null, outputAt: null, lowCpuSince: null, cpu: null, rss: null, cpuSeconds: null};
}

/** `30s`, `2h`, `1.5s`. */
export function shortDuration(ms: number): string {
	const units: Array<[number, string]> = [
		[86_400_000, 'd'],
		[3_600_000, 'h'],
		[60_000, 'm'],
		[1000, 's'],
	];
	for (const [size, unit] of units) {
		if (ms >= size && ms % size === 0) {
			return `${ms / size}${unit}`;
		}
	}

	return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}

/** `512M`, `1.5G`. */
export function shortSize(bytes: number): string {
	const units = ['B', 'K', 'M', 'G', 'T'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}

	return `${Number.isInteger(value) ? value : value.toFixed(1)}${units[unit]}`;
}

/** Whether the task is expected to send heartbeats from its start (`watchdog` or `heartbeat_interval` set). */
export function expectsHeartbeats(spec: TaskSpec): boolean {
	// A job stored before `heartbeat_interval` existed has none.
	return spec.watchdogMs !== null || (spec.heartbeatIntervalMs ?? null) !== null;
}

/**
 * The watchdog in force: the task's own `watchdog`, else the daemon's `task_timeout` for a task
 * expected to send heartbeats (`heartbeat_interval`), counted from its start, or once it has
 * sent one in this run (SPEC §2: the default applies to tasks that send them).
 */
export function watchdogOf(spec: TaskSpec, run: RunFacts | null, taskTimeoutMs: number): number | null {
	return spec.watchdogMs ?? (expectsHeartbeats(spec) || (run?.heartbeatAt ?? null) !== null ? taskTimeoutMs : null);
}

/** How a heartbeat's age reads: with no watchdog in force, no judgement. */
export type HeartbeatLevel = 'ok' | 'late' | 'overdue' | 'none';

/**
 * A heartbeat is late once it is one `heartbeat_interval` old (or half the watchdog, if that is
 * sooner) and overdue at the watchdog, when the task is killed.
 */
export function heartbeatLevel(ageMs: number, intervalMs: number, watchdogMs: number | null | undefined): HeartbeatLevel {
	if (!watchdogMs) {
		return 'none';
	}

	return ageMs >= watchdogMs ? 'overdue' : ageMs >= Math.min(intervalMs, watchdogMs / 2) ? 'late' : 'ok';
}

/** A failed check: which, and the reason in words. */
export type Fault = {cause: FaultCause; reason: string};

/** Why the task must be stopped now, or null. Only a starting or running task is checked. */
export function livenessFault(spec: TaskSpec, state: StateKind, run: RunFacts, taskTimeoutMs: number, now: Millis, memoryByKernel = false): Fault | null {
	if (state !== 'running' && state !== 'starting') {
		return null;
	}

	const watchdog = watchdogOf(spec, run, taskTimeoutMs);
	if (watchdog !== null) {
		const since = Math.max(run.heartbeatAt ?? run.startedAt, run.resumedAt ?? run.startedAt);
		if (now - since >= watchdog) {
			return {cause: 'watchdog', reason: `watchdog: no heartbeat for ${shortDuration(watchdog)}`};
		}
	}

	if (spec.maxRuntimeMs !== null && now - run.startedAt - run.pausedMs >= spec.maxRuntimeMs) {
		return {cause: 'max_runtime', reason: `max_runtime ${shortDuration(spec.maxRuntimeMs)}`};
	}

	// A kernel limit is the one owner: summed RSS counts shared pages twice, so it could fire first.
	if (spec.maxMemory !== null && !memoryByKernel && run.rss !== null && run.rss > spec.maxMemory) {
		return {cause: 'max_memory', reason: `max_memory: ${shortSize(run.rss)} over ${shortSize(spec.maxMemory)}`};
	}

	if (spec.stuck !== null && run.lowCpuSince !== null) {
		const quietSince = Math.max(run.lowCpuSince, run.outputAt ?? 0, run.heartbeatAt ?? 0, run.resumedAt ?? 0, run.startedAt);
		if (now - quietSince >= spec.stuck.forMs) {
			return {cause: 'stuck', reason: `stuck: ${Math.round(run.cpu ?? 0)}% cpu, no output or heartbeat for ${shortDuration(spec.stuck.forMs)}`};
		}
	}

	return null;
}

/** Folds one CPU sample into the stuck detector's memory. */
export function withCpuSample(spec: TaskSpec, run: RunFacts, sample: {cpu: number; rss: number; cpuSeconds: number}, now: Millis): RunFacts {
	// The first sample of a run has no CPU delta yet (0%): it says nothing about being stuck.
	const low = spec.stuck !== null && run.cpu !== null && sample.cpu < spec.stuck.cpuBelowPercent;
	return {...run, cpu: sample.cpu, rss: sample.rss, cpuSeconds: sample.cpuSeconds, lowCpuSince: low ? (run.lowCpuSince ?? now) : null};
}
