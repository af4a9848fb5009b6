/**
 * A recorded state change as the engine publishes it: what changed, why (`cause`), and the
 * task's whole document right after it. Built by the engine, written by the store, sent to
 * every reader as an EventDoc (documents.ts).
 */
import {describeExit, pidOf} from './machine.js';
import type {Cause, Millis, StateKind, TaskRecord} from './model.js';
import type {NewEvent} from './ports.js';
import type {TaskStatus} from './ipc/methods.js';

export type TaskEventRecord = {
	seq: number;
	at: Millis;
	taskId: string;
	type: 'state';
	from: StateKind;
	to: StateKind;
	reason: string;
	pid: number | null;
	restarts: number;
	attempt: number;
	exit: string | null;
	cause: Cause;
	/** The task's document right after the change. */
	task: TaskStatus;
};

/** The event of a change, or null when it is no news (a new pid inside `starting`, a new `want`). */
export function eventOf(seq: number, taskId: string, before: TaskRecord, after: TaskRecord, task: () => TaskStatus): TaskEventRecord | null {
	if (before.state.kind === after.state.kind && before.state.reason === after.state.reason) {
		return null;
	}

	const lastExit = 'lastExit' in after.state ? after.state.lastExit : null;
	return {
		seq,
		at: after.state.since,
		taskId,
		type: 'state',
		from: before.state.kind,
		to: after.state.kind,
		reason: after.state.reason,
		pid: pidOf(after.state),
		restarts: after.restarts,
		attempt: after.attempt,
		exit: lastExit && after.state.kind !== before.state.kind ? describeExit(lastExit) : null,
		cause: after.cause,
		task: task(),
	};
}

export function toEventRow(event: TaskEventRecord): NewEvent {
	return {
		taskId: event.taskId,
		at: event.at,
		type: event.type,
		// `seq` numbers the events of one daemon's life: a reader of both the store and the feed (tm events -f) tells them apart by it.
		data: {from: event.from, to: event.to, reason: event.reason, pid: event.pid, restarts: event.restarts, attempt: event.attempt, exit: event.exit, cause: event.cause, seq: event.seq},
	};
}
