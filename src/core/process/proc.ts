/**
 * Facts about processes and the machine from /proc: a pid's start time (so a recorded pid is
 * never trusted alone) and the boot id (so a reboot is recognised).
 */
import {readFileSync} from 'node:fs';

/** The state letter, session id (field 6) and start time (field 22, clock ticks since boot) of a pid, or null. */
function readStat(pid: number): {state: string; session: number; start: string} | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return {state: fields[0] ?? '?', session: Number(fields[3]), start: fields[19] ?? ''};
	} catch {
		return null;
	}
}

/** The start time of a live process (not a zombie) that leads its own session, or null. */
export function sessionLeaderStartTime(pid: number): string | null {
	const stat = readStat(pid);
	return stat === null || stat.state === 'Z' || stat.session !== pid ? null : stat.start;
}

/** The start time of a pid, even if it has already exited and not yet been reaped. */
export function processStartTime(pid: number): string | null {
	return readStat(pid)?.start ?? null;
}

/** The start time of a pid that is still running (not a zombie), or null. */
export function runningStartTime(pid: number): string | null {
	const stat = readStat(pid);
	return stat === null || stat.state === 'Z' ? null : stat.start;
}

/** The kernel's boot id; `TM_BOOT_ID` overrides it (tests simulate a reboot with it). */
export function bootId(env: Record<string, string | undefined> = process.env): string {
	if (env['TM_BOOT_ID']) {
		return env['TM_BOOT_ID'];
	}

	try {
		return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
	} catch {
		return 'unknown-boot';
	}
}
