/**
 * State changes as `tm events` and `tm history --all` print them: one line of text, or one JSON
 * object (the same whether the change came from tm.db or from the daemon's feed), and the
 * filters they share (`--since`, `--cause`).
 */
import type {EventDoc} from '../core/ipc/methods.js';
import type {NamedEvent} from '../store/readonly.js';
import {formatTime} from './format.js';

export {parseCause, parseSince} from '../core/event-filters.js';

/** One state change, as a JSON line of `tm events --json` (docs/schemas/events-line.schema.json). */
export type EventLine = {
	/** The daemon's event number (one daemon's life), or null for a change stored before tm kept it. */
	seq: number | null;
	at: string;
	taskId: string;
	/** The name the task goes by (a job's `--name`); its id when it has none or is gone. */
	name: string;
	from: string;
	to: string;
	reason: string;
	cause: string;
	exit: string | null;
	pid: number | null;
	attempt: number;
	restarts: number;
};

/** A stored event as a line, or null when it is no state change (a recovery, an orphan stopped). */
export function storedLine(event: NamedEvent): EventLine | null {
	const d = event.data;
	if (event.type !== 'state' || event.taskId === null) {
		return null;
	}

	const text = (value: unknown): string => (typeof value === 'string' ? value : '');
	const count = (value: unknown): number | null => (typeof value === 'number' ? value : null);
	return {
		seq: count(d['seq']),
		at: new Date(event.at).toISOString(),
		taskId: event.taskId,
		name: event.name ?? event.taskId,
		from: text(d['from']),
		to: text(d['to']),
		reason: text(d['reason']),
		cause: text(d['cause']) || 'none',
		exit: typeof d['exit'] === 'string' ? d['exit'] : null,
		pid: count(d['pid']),
		attempt: count(d['attempt']) ?? 0,
		restarts: count(d['restarts']) ?? 0,
	};
}

/** A change the daemon pushed, as a line. */
export function liveLine(event: EventDoc): EventLine {
	const {seq, at, taskId, from, to, reason, cause, exit, pid, attempt, restarts} = event;
	return {seq, at, taskId, name: event.task.name, from, to, reason, cause, exit, pid, attempt, restarts};
}

/** `2026-11-23 10:00:01.250  backup (j-7f3a…)  running -> failed  exit  exit 3`. */
export function lineText(line: EventLine): string {
	const who = line.name === line.taskId ? line.taskId : `${line.name} (${line.taskId})`;
	return `${formatTime(Date.parse(line.at))}  ${who}  ${line.from} -> ${line.to}  ${line.cause}  ${line.reason}\n`;
}

