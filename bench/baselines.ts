/**
 * What the job benchmarks compare tm against (issue 22, goal 4): the same `/bin/true` runs from
 * a plain shell loop, one at a time, and from `xargs -P slots`, keeping `slots` running.
 */
import {spawnSync} from 'node:child_process';
import {performance} from 'node:perf_hooks';

export function timed(command: string, args: string[]): number {
	const start = performance.now();
	spawnSync(command, args, {stdio: 'ignore'});
	return performance.now() - start;
}

/** Runs per second of `count` × /bin/true: a shell loop, and xargs keeping `slots` running. */
export function baselines(count: number, slots: number): {loop: number; xargs: number} {
	const loop = timed('sh', ['-c', `i=0; while [ $i -lt ${count} ]; do /bin/true; i=$((i+1)); done`]);
	const xargs = timed('sh', ['-c', `seq ${count} | xargs -P ${slots} -n 1 /bin/true`]);
	return {loop: (count / loop) * 1000, xargs: (count / xargs) * 1000};
}
