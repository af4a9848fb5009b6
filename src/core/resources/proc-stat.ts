/**
 * One line of `/proc/<pid>/stat` (proc(5)), parsed. The command name (field 2) is the
 * executable's name in parentheses and may itself contain spaces and parentheses (a process
 * can rename itself to anything: `prctl(PR_SET_NAME)` or writing `/proc/self/comm`), so the
 * fields after it are found from the LAST ')' of the line, as the kernel and procps do.
 */

export type ProcStat = {
	pid: number;
	/** The command name without its parentheses (at most 15 bytes for user processes). */
	comm: string;
	/** R, S, D, Z, T, t, I, X, … */
	state: string;
	ppid: number;
	pgrp: number;
	/**
	 * CPU clock ticks this process used (utime + stime) plus those of the children it has waited
	 * for (cutime + cstime): the kernel moves a child's whole total into its parent's
	 * cutime/cstime when the parent reaps it, so summed over a tree this does not drop when a
	 * short-lived child exits and is reaped inside the tree.
	 */
	ticks: number;
	/** utime + stime alone: this process's own CPU ticks. */
	ownTicks: number;
	/** Start time, clock ticks after boot (field 22): with the pid, identifies a process. */
	starttime: number;
	/** Resident set size in pages (field 24). */
	rssPages: number;
};

// Indices into the fields after the command name: field 3 (state) is index 0, so field N is N - 3.
const STATE = 0;
const PPID = 1;
const PGRP = 2;
const UTIME = 11;
const STIME = 12;
const CUTIME = 13;
const CSTIME = 14;
const STARTTIME = 19;
const RSS = 21;

function int(text: string | undefined): number {
	// Ticks and pages are unsigned decimal integers; cutime/cstime are signed in the format but
	// never negative in practice. Number() of '' is 0, so check the text is there at all.
	if (text === undefined || text === '') {
		return Number.NaN;
	}

	return Number(text);
}

/** Parses one stat line; null when it is not a well-formed line (truncated, empty, garbage). */
export function parseStat(line: string): ProcStat | null {
	const open = line.indexOf(' (');
	const close = line.lastIndexOf(')');
	if (open <= 0 || close < open) {
		return null;
	}

	const pid = int(line.slice(0, open));
	const fields = line.slice(close + 2).trimEnd().split(' ');
	const ppid = int(fields[PPID]);
	const pgrp = int(fields[PGRP]);
	const utime = int(fields[UTIME]);
	const stime = int(fields[STIME]);
	const cutime = int(fields[CUTIME]);
	const cstime = int(fields[CSTIME]);
	const starttime = int(fields[STARTTIME]);
	const rssPages = int(fields[RSS]);
	const numbers = [pid, ppid, pgrp, utime, stime, cutime, cstime, starttime, rssPages];
	if (!numbers.every(Number.isSafeInteger) || pid <= 0) {
		return null;
	}

	return {
		pid,
		comm: line.slice(open + 2, close),
		state: fields[STATE] ?? '?',
		ppid,
		pgrp,
		ticks: utime + stime + Math.max(0, cutime) + Math.max(0, cstime),
		ownTicks: utime + stime,
		starttime,
		// A kernel thread or a zombie has no memory: 0. The field is signed; never count below 0.
		rssPages: Math.max(0, rssPages),
	};
}
