/**
 * V8 settings each kind of tm process makes at its start, one owner for both (dist/tm's
 * `--max-semi-space-size=1` applies to every process and is scripts/build.mjs's).
 *
 * The daemon (`tm up`) runs its JavaScript on V8's interpreter and baseline compiler only,
 * without the optimizing compilers (Maglev, TurboFan). A supervisor's hot paths are the kernel's
 * and tm's addon's (pipes, spawns, SQLite); what the optimizing compilers bought was their own
 * code, paged in while they compile and kept resident: an idle daemon with 100 programs held
 * 9 MiB more after 30 s (54 → 43–45 MiB RSS, issue 22), and W5's daemon CPU did not move with
 * `TM_JIT=full` (docs/benchmarks.md). `TM_JIT=full` keeps them, for a daemon that spends its time
 * in JavaScript.
 *
 * `tm top` grows its heap slowly (`--optimize-for-size`): with 1,000 tasks and a log at 5,000
 * lines/s its heap stayed at 34 MiB instead of 56, RSS 116 MiB instead of 137.
 */
import {setFlagsFromString} from 'node:v8';

export type Jit = 'baseline' | 'full';

/** Applies the daemon's choice to this process, before its code gets hot; says which. */
export function applyDaemonJit(env: Record<string, string | undefined>, setFlags: (flags: string) => void = setFlagsFromString): Jit {
	if (env['TM_JIT'] === 'full') {
		return 'full';
	}

	setFlags('--no-maglev');
	setFlags('--no-turbofan');
	return 'baseline';
}

/** `tm top`'s heap, set before the dashboard allocates. */
export function applyDashboardHeap(setFlags: (flags: string) => void = setFlagsFromString): void {
	setFlags('--optimize-for-size');
}
