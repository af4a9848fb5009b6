/**
 * What the daemon does with what the last one left behind. Pure: given the config's tasks, the
 * stored rows, the runs that never ended, and whether the machine rebooted, it decides each
 * task's record and what to do with it once any process left over from before is stopped.
 *
 * - Counters, attempts, a pending backoff and a delayed job's time carry on where they were.
 * - What a person asked for survives: a task stopped by hand stays stopped (even with
 *   autostart); one that was up comes back.
 * - A process the dead daemon left running (same boot, same pid AND same start time) is stopped
 *   by process group first, then the task starts again: never two at once.
 * - After a reboot every recorded pid is stale; tasks that should run start afresh.
 */
import {initialRecord} from './machine.js';
import {liveStates, removedReason, type Millis, type TaskRecord, type TaskSpec} from './model.js';
import type {NewEvent, RunEnd, RunRow, TaskInfoRow, TaskRow} from './ports.js';
import type {Orphan} from './process/orphans.js';
import type {RunTimes} from './task-facts.js';

export type RecoveryInput = {
	specs: TaskSpec[];
	rows: TaskRow[];
	openRuns: RunRow[];
	bootId: string;
	/** The boot id the last daemon ran under; null on a fresh home. */
	lastBootId: string | null;
	now: Millis;
	/** Jobs finished before this have left the live list (retention.finished); their rows stay for `tm history`. */
	forgetBefore: Millis;
	/** Whether a recorded run's process is still the same process (pid and start time). */
	isAlive(run: RunRow): boolean;
};

/** What to do once the task's leftover process (if any) is gone. */
export type Then = 'start' | 'enqueue' | 'arm-timer' | 'none';

export type RecoveredTask = {
	spec: TaskSpec;
	record: TaskRecord;
	info: Partial<TaskInfoRow>;
	createdAt: Millis;
	queueSeq: number;
	/** Its latest run once the runs a dead daemon left open are closed (read by the daemon, not planned). */
	lastRun?: RunTimes | null;
	then: Then;
	orphans: Orphan[];
};

export type RecoveryPlan = {
	rebooted: boolean;
	tasks: RecoveredTask[];
	/** Leftover processes of programs no longer in the config: stopped, not restarted. */
	strayOrphans: Orphan[];
	runEnds: RunEnd[];
	events: NewEvent[];
};

export function planRecovery(input: RecoveryInput): RecoveryPlan {
	const {now} = input;
	const rebooted = input.lastBootId !== null && input.lastBootId !== input.bootId;
	const rowsById = new Map(input.rows.map(row => [row.id, row]));
	const runsByTask = new Map<string, RunRow[]>();
	for (const run of input.openRuns) {
		runsByTask.set(run.taskId, [...(runsByTask.get(run.taskId) ?? []), run]);
	}

	const runEnds: RunEnd[] = [];
	const events: NewEvent[] = [];

	/** Closes a task's open runs; returns the ones whose process still runs. */
	const settleRuns = (taskId: string, spec: Pick<TaskSpec, 'stopsignal' | 'stoptimeMs'>): Orphan[] => {
		const orphans: Orphan[] = [];
		for (const run of runsByTask.get(taskId) ?? []) {
			const alive = !rebooted && run.bootId === input.bootId && input.isAlive(run);
			if (alive) {
				orphans.push({pid: run.pid, pidStart: run.pidStart, stopsignal: spec.stopsignal, stoptimeMs: spec.stoptimeMs});
			}

			runEnds.push({
				taskId,
				pid: run.pid,
				endedAt: now,
				exitCode: null,
				exitSignal: null,
				reason: rebooted ? 'machine rebooted' : alive ? 'left running by a daemon that died; stopped' : 'daemon died; process gone',
			});
		}

		return orphans;
	};

	const tasks: RecoveredTask[] = [];
	const specs = [...input.specs];
	// Jobs are not in the config: they come back from their rows, unless they have left the live list.
	for (const row of input.rows) {
		const forgotten = row.finishedAt !== null && row.finishedAt < input.forgetBefore;
		if (row.kind === 'job' && !forgotten && !specs.some(spec => spec.id === row.id)) {
			specs.push(row.spec);
		}
	}

	for (const spec of specs) {
		const stored = rowsById.get(spec.id);
		// A program removed by a reload and now back in the config starts afresh.
		const row = stored && isRemoved(stored.record) ? undefined : stored;
		if (!row) {
			tasks.push({
				spec,
				record: initialRecord(now),
				info: {},
				createdAt: now,
				queueSeq: 0,
				then: spec.autostart && spec.schedule === null ? 'start' : 'none',
				orphans: [],
			});
			continue;
		}

		const orphans = settleRuns(spec.id, spec);
		const {record, then, note} = recoverRecord(row.record, spec, rebooted, now, orphans);
		if (note) {
			events.push({taskId: spec.id, at: now, type: 'recovered', data: {reason: note, from: row.record.state.kind, to: record.state.kind}});
		}

		tasks.push({spec, record, info: row.info, createdAt: row.createdAt, queueSeq: row.queueSeq, then, orphans});
	}

	const strayOrphans: Orphan[] = [];
	for (const row of input.rows) {
		if (!specs.some(spec => spec.id === row.id)) {
			strayOrphans.push(...settleRuns(row.id, row.spec));
		}
	}

	return {rebooted, tasks, strayOrphans, runEnds, events};
}

function isRemoved(record: TaskRecord): boolean {
	return record.state.kind === 'stopped' && record.state.reason.startsWith(removedReason);
}

function recoverRecord(
	stored: TaskRecord,
	spec: TaskSpec,
	rebooted: boolean,
	now: Millis,
	orphans: Orphan[],
): {record: TaskRecord; then: Then; note: string | null} {
	const {state} = stored;
	const why = rebooted ? 'machine rebooted' : 'daemon restarted';
	const leftover = orphans.length > 0 ? `; stopping pid ${orphans.map(o => o.pid).join(', ')} left running` : '';
	if (state.kind === 'stopping' && state.then === 'fail') {
		// Failed by hand (`tm fail`) while it stopped: it stays failed, whatever process is left.
		const reason = `${state.reason}; ${why} while stopping${leftover}`;
		return {record: {...stored, upSince: null, state: {kind: 'failed', since: now, reason, lastExit: null}}, then: 'none', note: reason};
	}

	if (liveStates.has(state.kind)) {
		const comesBack = stored.want === 'up' || (state.kind === 'stopping' && state.then !== 'stopped');
		if (comesBack) {
			const reason = `${why} while ${state.kind}; starting again${leftover}`;
			return {record: {...stored, want: 'up', upSince: null, state: {kind: 'queued', since: now, reason, eligibleAt: null}}, then: 'enqueue', note: reason};
		}

		const reason = `${why} while ${state.kind}${leftover}`;
		return {record: {...stored, upSince: null, state: {kind: 'stopped', since: now, reason, lastExit: null}}, then: 'none', note: reason};
	}

	switch (state.kind) {
		case 'queued': {
			// A delayed job keeps its time: its timer is armed again (it fires at once if the time passed while the daemon was down).
			return {record: stored, then: state.eligibleAt === null ? 'enqueue' : 'arm-timer', note: null};
		}

		case 'backoff': {
			return {record: stored, then: 'arm-timer', note: null};
		}

		case 'stopped': {
			if (stored.want !== 'up') {
				return {record: stored, then: 'none', note: null};
			}

			// Stopped by a daemon shutdown: a job goes back to the queue with its attempt and checkpoint.
			return spec.kind === 'job'
				? {record: {...stored, state: {kind: 'queued', since: now, reason: `${why}; queued again`, eligibleAt: null}}, then: 'enqueue', note: `${why}; queued again`}
				: {record: stored, then: 'start', note: null};
		}

		case 'completed':
		case 'failed':
		case 'fatal': {
			// A new boot is a fresh start for a service that should run; jobs stay finished.
			const fresh = rebooted && stored.want === 'up' && spec.kind === 'service' && spec.autostart;
			return {record: stored, then: fresh ? 'start' : 'none', note: fresh ? `${why}: starting ${spec.id} afresh` : null};
		}

		// The live states were handled above.
		case 'starting':
		case 'running':
		case 'paused':
		case 'stopping': {
			return {record: stored, then: 'none', note: null};
		}
	}
}
