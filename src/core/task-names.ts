/**
 * What a name means, written once for the daemon and its clients: `all`, a task id (`web:0`), a
 * program (all its instances; a job's program is its `--name`), or a glob (`web:*`, `w?b`) over
 * ids and programs.
 */

/** The parts of a task a name can match. */
export type Named = {id: string; program: string};

function globToRegExp(glob: string): RegExp {
	const escaped = glob.replaceAll(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
	return new RegExp(`^${escaped}$`);
}

export const isGlob = (name: string): boolean => name.includes('*') || name.includes('?');

/** Whether `name` means `task`. */
export function nameMatcher(name: string): (task: Named) => boolean {
	if (name === 'all') {
		return () => true;
	}

	if (isGlob(name)) {
		const pattern = globToRegExp(name);
		return task => pattern.test(task.id) || pattern.test(task.program);
	}

	return task => task.id === name || task.program === name;
}
