/**
 * The log files a program makes must have names a file system takes (`fileNameLimit`): its
 * tasks' files, by default `<task>.out.log` in `$TM_HOME/logs` or as `stdout:`/`stderr:` say
 * (placeholders and instance numbers expanded), and their rotated files. Checked while
 * validating, so such a program is refused by `tm validate`, not when its task first starts.
 */
import type {ProgramSpec} from '../model.js';
import {defaultLogNames, fileNameExcess, fileNameLimit, longestLogName} from '../paths.js';
import {taskId, taskLogPaths} from './expand.js';
import {report, reportValue, type Ctx, type Field} from './tree.js';

/** A long name shown by its ends. */
function shorten(name: string): string {
	return JSON.stringify(name.length > 48 ? `${name.slice(0, 24)}…${name.slice(-20)}` : name);
}

/** Reports each log file name of the program that would be too long: once for the program's name, or at `stdout:`/`stderr:`. */
export function checkLogNames(ctx: Ctx, program: Field, spec: ProgramSpec, fields: {stdout?: Field | undefined; stderr?: Field | undefined}): void {
	// An instance number only makes a name longer, so the last instance's names are the longest.
	const last = Math.max(spec.numprocs, 1) - 1;
	const paths = taskLogPaths(spec, last);
	const defaults = defaultLogNames(taskId(spec, last));
	let nameReported = false;
	for (const stream of ['stdout', 'stderr'] as const) {
		const name = longestLogName(paths[stream] ?? defaults[stream], spec.log);
		const excess = fileNameExcess(name);
		if (excess === 0) {
			continue;
		}

		const field = fields[stream];
		const problem = `the log file name ${shorten(name)} would be ${Buffer.byteLength(name)} bytes, over the limit of ${fileNameLimit} for a file name`;
		if (spec[stream] !== null && field !== undefined) {
			reportValue(ctx, field, `${problem}: shorten it`);
		} else if (!nameReported) {
			const room = spec.name.length - excess;
			const fix = room > 0 ? `shorten the program name to at most ${room} characters` : 'shorten the program name or lower log.backups';
			report(ctx, program.key, program.path, `${problem}: ${fix}`);
			nameReported = true;
		}
	}
}
