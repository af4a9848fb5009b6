/**
 * Programs → tasks: each program becomes `numprocs` tasks (or as many as `tm scale` says), with
 * log paths of their own. An instance's id and log files depend only on the config's `numprocs`
 * and its own number, so scaling never renames (nor restarts) an instance that stays.
 */
import {basename, dirname, extname, join} from 'node:path';
import type {Config, ProgramSpec, TaskSpec} from '../model.js';

const placeholder = /%\((process_num|program_name)\)(0?)(\d*)([ds])/g;

/**
 * A log path for one instance. `%(process_num)d` (also `%(process_num)02d`, `…s`) and
 * `%(program_name)s` are expanded. When the program has several instances (or this one was
 * added by `tm scale`) and the path does not use `%(process_num)`, `.<n>` goes before the last
 * extension (`web.out.log` → `web.out.0.log`), so instances never share a file.
 */
export function instanceLogPath(path: string | null, program: string, instance: number, numprocs: number): string | null {
	if (path === null) {
		return null;
	}

	const numbered = path.includes('%(process_num)');
	const expanded = path.replaceAll(placeholder, (_match, name: string, zero: string, width: string) => {
		const value = name === 'process_num' ? String(instance) : program;
		return value.padStart(Number(width || 0), zero === '0' ? '0' : ' ');
	});
	if ((numprocs <= 1 && instance === 0) || numbered) {
		return expanded;
	}

	const base = basename(expanded);
	const extension = extname(base);
	const stem = base.slice(0, base.length - extension.length);
	return join(dirname(expanded), `${stem}.${instance}${extension}`);
}

/** The id of a program's task: `name` when numprocs is 1, else `name:<instance>` (so are instances `tm scale` adds). */
export function taskId(program: ProgramSpec, instance: number): string {
	return program.numprocs === 1 && instance === 0 ? program.name : `${program.name}:${instance}`;
}

/** A task's `stdout`/`stderr` as its program writes them, for instance `instance` (null: the default files). */
export function taskLogPaths(program: ProgramSpec, instance: number): {stdout: string | null; stderr: string | null} {
	return {
		stdout: instanceLogPath(program.stdout, program.name, instance, program.numprocs),
		stderr: instanceLogPath(program.stderr, program.name, instance, program.numprocs),
	};
}

/** Instance `instance` of a program. */
export function programTask(program: ProgramSpec, instance: number): TaskSpec {
	return {
		...program,
		id: taskId(program, instance),
		kind: 'service',
		program: program.name,
		instance,
		retries: program.startretries,
		retryOnTimeout: false,
		...taskLogPaths(program, instance),
	};
}

/** The tasks of one program: `name` when numprocs is 1, else `name:0` … `name:N-1`; `count` of them when scaled. */
export function programTasks(program: ProgramSpec, count = program.numprocs): TaskSpec[] {
	return Array.from({length: count}, (_, instance) => programTask(program, instance));
}

/** Every program of the config as its tasks, in file order; `count` says how many each runs (tm scale). */
export function expandTasks(config: Config, count: (program: ProgramSpec) => number = program => program.numprocs): TaskSpec[] {
	return config.programs.flatMap((program) => programTasks(program, count(program)));
}

/** How many tasks `expandTasks` makes, without making them. */
export function taskCount(config: Config): number {
	return config.programs.reduce((count, program) => count + program.numprocs, 0);
}
