/**
 * How busy the host's CPUs are, from the `cpu` line of /proc/stat: the share of every CPU's
 * time, between two samples, that was neither idle nor waiting for I/O (as top's `%Cpu`). Load
 * averages lag by a minute; the adaptive pool needs what the last sample interval saw.
 */
import {readFile} from 'node:fs/promises';

/** Busy and total jiffies of all CPUs, or null when the line is not there. */
export function parseCpuLine(text: string): {busy: number; total: number} | null {
	const line = /^cpu\s+([\d\s]+)$/m.exec(text);
	if (line === null) {
		return null;
	}

	// user nice system idle iowait irq softirq steal (guest time is already in user and nice).
	const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line[1]!.trim().split(/\s+/).map(Number);
	const busy = user + nice + system + irq + softirq + steal;
	return {busy, total: busy + idle + iowait};
}

export class CpuBusy {
	readonly #file: string;
	#last: {busy: number; total: number} | null = null;

	constructor(procRoot = '/proc') {
		this.#file = `${procRoot}/stat`;
	}

	/** Percent busy since the last call; null on the first call, or when /proc/stat cannot be read. */
	async sample(): Promise<number | null> {
		let now: {busy: number; total: number} | null;
		try {
			now = parseCpuLine(await readFile(this.#file, 'latin1'));
		} catch {
			now = null;
		}

		const last = this.#last;
		this.#last = now;
		if (now === null || last === null || now.total <= last.total) {
			return null;
		}

		return (Math.max(0, now.busy - last.busy) / (now.total - last.total)) * 100;
	}
}
