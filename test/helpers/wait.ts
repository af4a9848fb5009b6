/**
 * Waiting for facts instead of sleeping: poll a condition until it holds or a deadline passes,
 * then fail with the last thing observed. The default deadline (20 s) is for a loaded 2-core CI
 * machine, where starting a daemon alone can take several seconds.
 */
import {readFileSync} from 'node:fs';
import {setTimeout as delay} from 'node:timers/promises';

export async function waitFor<T>(
	probe: () => T | Promise<T>,
	accept: (value: T) => boolean,
	{timeout = 20_000, interval = 10, what = 'condition'}: {timeout?: number; interval?: number; what?: string} = {},
): Promise<T> {
	const deadline = Date.now() + timeout;
	let last: T = await probe();
	while (!accept(last)) {
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeout} ms waiting for ${what}; last observed: ${JSON.stringify(last)}`);
		}

		await delay(interval);
		last = await probe();
	}

	return last;
}

/** True while a process with this pid exists (zombies count as gone). */
export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}

	try {
		// A zombie still answers kill(0); /proc tells it apart.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^\d+ \(.*\) Z /.test(stat);
	} catch {
		return true;
	}
}
