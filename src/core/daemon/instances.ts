/**
 * A program's tasks brought to N instances of its spec: the one path for `tm reload` (a program
 * added or changed) and `tm scale`. Instances past N are stopped (stopsignal, SIGKILL after
 * stoptime) and leave; missing ones join; those whose spec changed in more than `numprocs` are
 * restarted with the new one; the rest are not touched (same process, same pid).
 */
import {programTasks} from '../config/expand.js';
import type {Engine} from '../engine.js';
import type {ProgramSpec, TaskSpec} from '../model.js';

export type InstanceWhy = {
	/** The reason a task whose spec changed is restarted with. */
	changed: string;
	/** The reason an instance past the count is stopped and removed with. */
	removed: string;
	/** The reason a new instance is started with, and its cause. */
	added: string;
	cause: 'config' | 'requested';
};

/** Instances that joined (started unless their siblings are stopped) and that were stopped and left. */
export type InstanceChange = {added: string[]; removed: string[]};

/** Equal but for `numprocs`, which only says how many siblings an instance has. */
function sameInstance(a: TaskSpec, b: TaskSpec): boolean {
	return JSON.stringify({...a, numprocs: 0}) === JSON.stringify({...b, numprocs: 0});
}

/**
 * Sets `program`'s instances to `count` and resolves once every stopped or restarted one has
 * settled. New instances start as their siblings are wanted (up when any is), or, with none
 * left, as `autostart` says; a program on a `schedule` waits for its times.
 */
export async function setInstances(engine: Engine, program: ProgramSpec, count: number, why: InstanceWhy): Promise<InstanceChange> {
	const current = engine.list().filter(task => task.spec.kind === 'service' && task.spec.program === program.name);
	const wanted = new Map(programTasks(program, count).map(spec => [spec.id, spec]));
	const startNew = current.length > 0 ? current.some(task => task.record.want === 'up') : program.autostart;
	const change: InstanceChange = {added: [], removed: []};
	const work: Array<Promise<void>> = [];
	for (const task of current) {
		const spec = wanted.get(task.id);
		if (spec === undefined) {
			change.removed.push(task.id);
			work.push(engine.remove(task.id, why.removed));
		} else {
			wanted.delete(task.id);
			if (!sameInstance(task.spec, spec)) {
				work.push(engine.replace(spec, why.changed));
			}
		}
	}

	for (const spec of wanted.values()) {
		const task = engine.add(spec);
		change.added.push(spec.id);
		if (startNew && spec.schedule === null) {
			task.dispatch({type: 'start', reason: why.added, cause: why.cause});
		}
	}

	await Promise.all(work);
	return change;
}
