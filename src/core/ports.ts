/**
 * What core needs kept across restarts, in core's words: the rows of `$TM_HOME/tm.db` and the
 * port the daemon writes them through. `src/store` implements it; core never imports the store.
 */
import type {Millis, TaskKind, TaskRecord, TaskSpec} from './model.js';

/** What a task reported about itself that must survive a restart. */
export type TaskInfoRow = {
	progress: number | null;
	progressText: string | null;
	status: string | null;
	checkpoint: string | null;
	heartbeatAt: Millis | null;
};

/** One task: identity, spec, desired and current state, counters, and what it reported. */
export type TaskRow = {
	id: string;
	kind: TaskKind;
	program: string;
	spec: TaskSpec;
	record: TaskRecord;
	info: TaskInfoRow;
	priority: number;
	/** Order of arrival in the queue, so queued jobs keep their order across restarts. */
	queueSeq: number;
	createdAt: Millis;
	updatedAt: Millis;
	/** When the task reached completed/failed/fatal/stopped for good; null while it is live. */
	finishedAt: Millis | null;
};

/** One attempt of a task: one spawned process tree, from spawn to exit. */
export type RunRow = {
	id: number;
	taskId: string;
	attempt: number;
	pid: number;
	/** Field 22 of /proc/<pid>/stat at spawn: with the boot id, tells a live pid from a reused one. */
	pidStart: string | null;
	bootId: string;
	startedAt: Millis;
	endedAt: Millis | null;
	exitCode: number | null;
	exitSignal: string | null;
	reason: string | null;
};

/** A run as recorded when it spawns; SQLite assigns the id. */
export type RunStart = Omit<RunRow, 'id' | 'endedAt' | 'exitCode' | 'exitSignal' | 'reason'>;

/** The end of the open run of `taskId` with this `pid`. */
export type RunEnd = {
	taskId: string;
	pid: number;
	endedAt: Millis;
	exitCode: number | null;
	exitSignal: string | null;
	reason: string;
};

/** A recorded fact: a state change, an exit, a recovery, a config reload… */
export type EventRow = {
	id: number;
	taskId: string | null;
	at: Millis;
	type: string;
	data: Record<string, unknown>;
};

/** An event to record; SQLite assigns the id. */
export type NewEvent = Omit<EventRow, 'id'>;

/** Everything one event-loop turn changed, written in one transaction. */
export type Batch = {
	/** Upserts, latest state of each task. */
	tasks: TaskRow[];
	runStarts: RunStart[];
	runEnds: RunEnd[];
	events: NewEvent[];
};

/** Rows one `prune` call deleted directly, and whether it stopped at its batch size. */
export type PruneResult = {tasks: number; runs: number; events: number; more: boolean};

/** One task's latest runs and events, newest first. */
export type History = {runs: RunRow[]; events: EventRow[]};

/** Where the engine writes what changed; one call per event-loop turn, one transaction. */
export type Persist = (batch: Batch) => void;
