/**
 * The daemon's JavaScript runs on V8's interpreter and baseline compiler only, without its
 * optimizing compilers (Maglev, TurboFan). A supervisor's hot paths are the kernel's and tm's
 * addon's (pipes, spawns, SQLite); what the optimizing compilers bought was their own code, paged
 * in while they compile and kept resident: an idle daemon with 100 programs held 9 MiB more after
 * 30 s (54 → 45 MiB RSS, issue 22), W5's log throughput did not move, and job throughput moved
 * within the run-to-run noise (docs/benchmarks.md). `TM_JIT=full` keeps them, for a daemon that
 * spends its time in JavaScript.
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
