/**
 * Fake stat lines and a fake procfs folder (`<pid>/stat` files) for the resource sampler's tests.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

export type FakeProcess = {
	pid: number;
	comm?: string;
	state?: string;
	ppid?: number;
	pgrp?: number;
	utime?: number;
	stime?: number;
	cutime?: number;
	cstime?: number;
	starttime?: number;
	rss?: number;
};

/** A stat line laid out as Linux 6.x prints it (52 fields), from a real `cat` line. */
export function statLine(p: FakeProcess): string {
	const {pid, comm = 'sleep', state = 'S', ppid = 1, pgrp = pid, utime = 0, stime = 0, cutime = 0, cstime = 0, starttime = 1000, rss = 100} = p;
	const after = [
		state, ppid, pgrp, 27379, 0, -1, 4194304, 99, 0, 0, 0, utime, stime, cutime, cstime, 20, 0, 1, 0, starttime, 3133440, rss,
		'18446744073709551615', 94737107845120, 94737107865001, 140728678537760, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 1, 0, 0, 0, 0, 0,
		94737107881008, 94737107882624, 94737177747456, 140728678546146, 140728678546166, 140728678546166, 140728678547435, 0,
	];
	return `${pid} (${comm}) ${after.join(' ')}\n`;
}

/** A folder standing in for /proc: `write` puts processes in, `remove` takes one out. */
export class FakeProc {
	readonly root: string;

	constructor(root: string) {
		this.root = root;
		mkdirSync(root, {recursive: true});
	}

	write(...processes: FakeProcess[]): void {
		for (const p of processes) {
			mkdirSync(join(this.root, String(p.pid)), {recursive: true});
			writeFileSync(join(this.root, String(p.pid), 'stat'), statLine(p));
		}
	}

	/** Any text as a pid's stat file (garbage, a truncated line). */
	writeRaw(pid: number, text: string): void {
		mkdirSync(join(this.root, String(pid)), {recursive: true});
		writeFileSync(join(this.root, String(pid), 'stat'), text);
	}

	remove(pid: number): void {
		rmSync(join(this.root, String(pid)), {recursive: true, force: true});
	}
}
