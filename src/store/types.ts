/**
 * The rows tm keeps in `$TM_HOME/tm.db`. The shared row types are core's (`core/ports.ts`: what
 * core needs kept); the store adds the types of its own API. The store maps rows to and from SQL
 * with pure functions; nothing outside `src/store` writes SQL.
 */
import type {Millis} from '../core/model.js';
import type {RunEnd} from '../core/ports.js';

export type {Batch, EventRow, History, NewEvent, PruneResult, RunEnd, RunRow, RunStart, TaskInfoRow, TaskRow} from '../core/ports.js';

/** How a run ended, for closing it by id (recovery after a daemon restart). */
export type RunOutcome = Omit<RunEnd, 'taskId' | 'pid'>;

/** What `prune` may delete: history older than `now - historyMs`, jobs finished before both cuts; at most `batchSize` of each kind. */
export type PruneOptions = {now: Millis; finishedMs: number; historyMs: number; batchSize: number};

/** Rows per table. */
export type StoreCounts = {tasks: number; runs: number; events: number};
