/**
 * The dependency graph between tasks (`depends_on` of programs, `--after` of jobs). Pure.
 */
import type {TaskSpec} from './model.js';

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
		const wave = left.filter(task => !left.some(other => dependsOn(other.spec, task.spec)));
		if (wave.length === 0) {
			waves.push(left);
			break;
		}

		waves.push(wave);
		left = left.filter(task => !wave.includes(task));
	}

	return waves;
}
