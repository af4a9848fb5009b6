/**
 * How events leave the daemon in words: a JSON line per event for `taskmaster.logfile`, and a
 * readable line for a person watching stderr. Pure formatting.
 */
import type {TaskEventRecord} from './engine.js';

export function eventJsonLine(event: TaskEventRecord): string {
	return `${JSON.stringify({
		time: new Date(event.at).toISOString(),
		seq: event.seq,
		task: event.taskId,
		type: event.type,
		from: event.from,
		to: event.to,
		reason: event.reason,
		pid: event.pid,
		restarts: event.restarts,
		attempt: event.attempt,
		exit: event.exit,
		cause: event.cause,
	})}\n`;
}

export function eventHumanLine(event: TaskEventRecord): string {
	const time = new Date(event.at).toISOString().slice(11, 23);
	const pid = event.pid === null ? '' : `, pid ${event.pid}`;
	return `${time} ${event.taskId} ${event.from} -> ${event.to} (${event.reason}${pid})\n`;
}

/** A daemon-level line (not about one task) in the same JSON shape. */
export function daemonJsonLine(at: number, message: string, data: Record<string, unknown> = {}): string {
	return `${JSON.stringify({time: new Date(at).toISOString(), type: 'daemon', message, ...data})}\n`;
}
