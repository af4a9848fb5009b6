/**
 * What a start of each program would find on this machine, checked before any start: its
 * command (on the PATH it will get), its working folder and its user and group, as the spawner
 * checks them (`prepare`). `tm validate` reports them as warnings (errors with `--strict`):
 * the file is well-formed, the machine is not ready for it yet.
 */
import type {ProgramSpec} from './model.js';
import {prepare} from './process/spawner.js';

export type PreflightWarning = {program: string; message: string};

/** One warning per program whose first task could not start here now. */
export function preflight(programs: ProgramSpec[], env: Record<string, string | undefined>, cwd: string): PreflightWarning[] {
	const base = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
	const warnings: PreflightWarning[] = [];
	for (const program of programs) {
		const prepared = prepare({
			argv: program.argv,
			env: {...base, ...program.env},
			cwd: program.workingdir ?? cwd,
			umask: program.umask,
			user: program.user,
			group: program.group,
			daemonizes: program.daemonizes,
		});
		if (!prepared.ok) {
			warnings.push({program: program.name, message: prepared.error});
		}
	}

	return warnings;
}
