/**
 * The dependency graph between tasks (`depends_on` of programs, `--after` of jobs). Pure.
 */
import type {DependsCondition, StateKind, TaskRecord, TaskSpec} from './model.js';

type Node = {spec: TaskSpec; record: TaskRecord};

/** States that satisfy a condition (SPEC §2, as process-compose's `process_started`, `…_completed`, …). */
const satisfiedBy: Record<DependsCondition, ReadonlySet<StateKind>> = {
	started: new Set(['running', 'paused', 'completed']),
	ready: new Set(['running', 'paused', 'completed']),
	completed: new Set(['completed', 'failed']),
	succeeded: new Set(['completed']),
};

/** States from which a dependency will not get there by itself. */
const dead: ReadonlySet<StateKind> = new Set(['failed', 'fatal']);

/** The tasks `key` names: a program's instances, or a task by id. */
function targets<T extends Node>(key: string, self: T, tasks: Iterable<T>): T[] {
	const found: T[] = [];
	for (const task of tasks) {
		if (task !== self && (task.spec.id === key || task.spec.program === key)) {
			found.push(task);
		}
	}

	return found;
}

/**
 * Why `task` may not start yet, or null when every dependency is met. The reason names the
 * dependency and where it is: \`waiting for db (ready): db is starting\`, \`… a failed: exit 1\`.
 */
export function blockedBy<T extends Node>(task: T, tasks: Iterable<T>, fresh?: (dependency: T) => string | null | undefined): string | null {
	const {dependsOn} = task.spec;
	// for…in, not Object.entries: the queue asks this of every queued task on every change.
	for (const key in dependsOn) {
		const condition = dependsOn[key];
		if (condition === undefined) {
			continue;
		}

		const found = targets(key, task, tasks);
		if (found.length === 0) {
			return `waiting for ${key} (${condition}): no such task`;
		}

		const unmet = found.find(other => !satisfiedBy[condition].has(other.record.state.kind));
		if (unmet) {
			const {state} = unmet.record;
			// A dependency that is itself waiting says on what, so the root cause shows down the chain:
			// what it waits for now (`fresh`, worked out in the same pass) over its recorded reason.
			const waiting = state.kind === 'queued' ? (fresh?.(unmet) ?? (state.reason.startsWith('waiting for') ? state.reason : null)) : null;
			const why = dead.has(state.kind) ? `${state.kind}: ${state.reason}` : waiting === null ? state.kind : `${state.kind}: ${waiting}`;
			return `waiting for ${key} (${condition}): ${unmet.spec.id} ${why}`;
		}
	}

	return null;
}

/** Whether `task` has any `depends_on` / `--after` at all (most have none, and need no more look). */
export function hasDependencies(task: TaskSpec): boolean {
	for (const _key in task.dependsOn) {
		return true;
	}

	return false;
}

/** Whether `task` depends on `other` (on its program, or on it by id or name). */
export function dependsOn(task: TaskSpec, other: TaskSpec): boolean {
	return task !== other && (Object.hasOwn(task.dependsOn, other.program) || Object.hasOwn(task.dependsOn, other.id));
}

/**
 * The order to stop tasks in: waves, each stopped once the one before is down. A task is in a
 * wave only after every task that depends on it, so a database outlives its web servers.
 * Tasks caught in a cycle (only possible through bad data) go in the last wave together.
 */
export function stopWaves<T extends {spec: TaskSpec}>(tasks: T[]): T[][] {
	const waves: T[][] = [];
	let left = [...tasks];
	while (left.length > 0) {
		// Only a task with dependencies can hold another back (a thousand finished jobs have none).
		const dependents = left.filter(other => hasDependencies(other.spec));
		const wave = left.filter(task => !dependents.some(other => dependsOn(other.spec, task.spec)));
		if (wave.length === 0) {
			waves.push(left);
			break;
		}

		waves.push(wave);
		const stopped = new Set(wave);
		left = left.filter(task => !stopped.has(task));
	}

	return waves;
}
