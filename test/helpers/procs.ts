/**
 * Finding processes by a marker in their command line, to count how many copies of a task run.
 */
import {readdirSync, readFileSync} from 'node:fs';

export function pidsWithArg(marker: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			if (argv.includes(marker) && !/\) Z /.test(stat)) {
				pids.push(Number(entry));
			}
		} catch {
			// gone while reading
		}
	}

	return pids;
}

/** Kills each pid with its process group (a task's main process leads its group), by PID. */
export function killPids(pids: Iterable<number>): void {
	for (const pid of pids) {
		for (const target of [-pid, pid]) {
			try {
				process.kill(target, 'SIGKILL');
			} catch {
				// already gone, or not a group leader
			}
		}
	}
}
