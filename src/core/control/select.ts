/**
 * Which tasks a name means: `all`, a task id (`web:0`), a program name (all its instances), or a
 * glob (`web:*`, `group:*`, `w*`). An unknown name is an error that names it.
 */
import {TmError} from '../errors.js';

function globToRegExp(glob: string): RegExp {
	const escaped = glob.replaceAll(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
	return new RegExp(`^${escaped}$`);
}

export function selectTasks<T extends {id: string; spec: {program: string}}>(names: string[], tasks: T[]): T[] {
	if (names.length === 0) {
		throw new TmError('E_USAGE', 'name at least one task, a program, a glob such as web:*, or all');
	}

	const chosen = new Map<string, T>();
	for (const name of names) {
		const matches =
			name === 'all'
				? tasks
				: name.includes('*') || name.includes('?')
					? tasks.filter(t => globToRegExp(name).test(t.id) || globToRegExp(name).test(t.spec.program))
					: tasks.filter(t => t.id === name || t.spec.program === name);
		if (matches.length === 0) {
			throw new TmError('E_UNKNOWN_TASK', `no such task: ${name} (tm status lists them)`);
		}

		for (const task of matches) {
			chosen.set(task.id, task);
		}
	}

	return [...chosen.values()];
}
