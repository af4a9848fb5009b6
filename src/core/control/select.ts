/**
 * Which tasks a name means: `all`, a task id (`web:0`), a program name (all its instances), or a
 * glob (`web:*`, `group:*`, `w*`). An unknown name is an error that names it.
 */
import {TmError} from '../errors.js';
import {isGlob, nameMatcher} from '../task-names.js';

export function selectTasks<T extends {id: string; spec: {program: string}}>(names: string[], tasks: T[]): T[] {
	if (names.length === 0) {
		throw new TmError('E_USAGE', 'name at least one task, a program, a glob such as web:*, or all');
	}

	const chosen = new Map<string, T>();
	for (const name of names) {
		const means = nameMatcher(name);
		const matches = tasks.filter(t => means({id: t.id, program: t.spec.program}));
		if (matches.length === 0) {
			throw new TmError('E_UNKNOWN_TASK', `no such task: ${name} (tm status lists them)`);
		}

		for (const task of matches) {
			chosen.set(task.id, task);
		}
	}

	return [...chosen.values()];
}

/**
 * The tasks `names` mean when each is an instance's id (`web:3`: no program name has a ':', and
 * it is no glob), found by id without a scan of every task (`tm status web:3` among 10,000
 * tasks); null when one is something else, for `selectTasks`.
 */
export function byInstanceIds<T>(names: string[], find: (id: string) => T | undefined): T[] | null {
	const found: T[] = [];
	for (const name of names) {
		const task = name.includes(':') && !isGlob(name) ? find(name) : undefined;
		if (task === undefined) {
			return null;
		}

		found.push(task);
	}

	return found.length === 0 ? null : [...new Set(found)];
}

/**
 * The one task a name means (`wait`, `logs`, `describe`, `notify`): an unknown name is
 * E_UNKNOWN_TASK; one that means several (a program's instances, a glob) says which they are,
 * unless one of them has it as its id (`web`, scaled by `tm scale` beside `web:1`, `web:2`).
 */
export function selectOne<T extends {id: string; spec: {program: string}}>(name: string, tasks: T[]): T {
	const [task, ...more] = selectTasks([name], tasks);
	const exact = more.length > 0 ? [task!, ...more].find(t => t.id === name) : undefined;
	if (exact !== undefined) {
		return exact;
	}

	if (more.length > 0) {
		const ids = [task!, ...more].map(t => t.id);
		const listed = ids.length > 6 ? `${ids.slice(0, 5).join(', ')}, … (${ids.length - 5} more)` : ids.join(', ');
		throw new TmError('E_USAGE', `${name} means ${ids.length} tasks (${listed}): give one of their ids`);
	}

	return task!;
}
