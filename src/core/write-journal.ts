/**
 * Group commit: what one pass of the event loop changed (task rows, run starts and ends, events)
 * is written in one transaction at the end of that pass, and only then are listeners told. A
 * failed write (a full disk) is kept, merged with later changes and retried every second while
 * supervision goes on (one warning when it starts, one when it is written); what is kept is
 * bounded (kept-batch.ts). A write that can never succeed (a constraint) is dropped with a warning.
 */
import type {Clock, TimerHandle} from './clock.js';
import {messageOf} from './errors.js';
import {boundKept, keptRows} from './kept-batch.js';
import type {Batch, NewEvent, Persist, TaskRow} from './ports.js';

const retryWritesMs = 1000;

export type WriteJournalDeps = {
	clock: Clock;
	persist?: Persist;
	onWarning?(message: string): void;
	/** The row of a task as it is now (null: it is gone). */
	row(id: string): TaskRow | null;
	/** Runs just before a write: a queue move that is due joins the same transaction. */
	beforeWrite(): void;
	/** Runs after each write, written or kept to retry: listeners hear of what it held. */
	afterWrite(): void;
};

export class WriteJournal {
	readonly #deps: WriteJournalDeps;
	#dirty = new Set<string>();
	#batch: Batch = emptyBatch();
	#scheduled = false;
	/** Resolved after the next flush (`saved()`). */
	#savedWaiters: Array<() => void> = [];
	/** Batches whose write failed, merged, waiting for a retry. */
	#unsaved: {tasks: Map<string, TaskRow>; batch: Batch} | null = null;
	/** Since when writes fail, and the oldest rows dropped meanwhile to keep what is kept bounded. */
	#failing: {since: number; dropped: number} | null = null;
	#retryTimer: TimerHandle | null = null;

	constructor(deps: WriteJournalDeps) {
		this.#deps = deps;
	}

	/** What this pass records besides task rows (runs, events): push onto it. */
	get batch(): Batch {
		return this.#batch;
	}

	/**
	 * A task event into the history. Telling a task just queued why it waits (`queued -> queued`)
	 * is part of its arrival when both are in one write: one event, with the reason it waits for.
	 */
	event(row: NewEvent): void {
		const {events} = this.#batch;
		const previous = events.at(-1);
		const {from, to, reason} = row.data as {from?: string; to?: string; reason?: string};
		if (previous?.taskId === row.taskId && from === 'queued' && to === 'queued' && (previous.data as {to?: string}).to === 'queued') {
			events[events.length - 1] = {...previous, data: {...previous.data, reason}};
			return;
		}

		events.push(row);
	}

	/** The task's row changed: it is written with this pass. */
	touch(id: string): void {
		this.#dirty.add(id);
		this.schedule();
	}

	/** Something was pushed onto `batch`: make sure this pass writes. */
	schedule(): void {
		if (!this.#scheduled) {
			this.#scheduled = true;
			setImmediate(() => {
				if (this.#scheduled) {
					this.flush();
				}
			});
		}
	}

	/** Resolves once everything changed so far has been through a flush (written, or kept to retry). */
	saved(): Promise<void> {
		this.schedule();
		return new Promise(resolve => {
			this.#savedWaiters.push(resolve);
		});
	}

	/** Writes what is pending, if anything is scheduled. */
	settle(): void {
		if (this.#scheduled) {
			this.flush();
		}
	}

	/** Writes what is pending now (normally once per pass of the event loop). */
	flush(): void {
		this.#deps.beforeWrite();
		this.#scheduled = false;
		const saved = this.#savedWaiters;
		this.#savedWaiters = [];
		try {
			this.#write();
		} finally {
			for (const resolve of saved) {
				resolve();
			}
		}
	}

	/** Rows (tasks, runs, events) kept in memory until a write works. */
	get unsaved(): number {
		return this.#unsaved === null ? 0 : keptRows(this.#unsaved.tasks.size, this.#unsaved.batch);
	}

	/** Stops retrying (the daemon is going away; what is pending was just flushed). */
	close(): void {
		this.#retryTimer?.cancel();
		this.#retryTimer = null;
		if (this.#unsaved !== null) {
			this.#deps.onWarning?.(`${this.unsaved} rows of state were never saved: tm.db could not be written before the daemon stopped`);
		}
	}

	#write(): void {
		const dirty = this.#dirty;
		const batch = this.#batch;
		this.#dirty = new Set();
		this.#batch = emptyBatch();
		const rows = new Map(this.#unsaved?.tasks ?? []);
		for (const id of dirty) {
			const row = this.#deps.row(id);
			if (row !== null) {
				rows.set(id, row);
			}
		}

		const merged = this.#unsaved ? concatBatches(this.#unsaved.batch, batch) : batch;
		const empty = rows.size === 0 && merged.events.length === 0 && merged.runStarts.length === 0 && merged.runEnds.length === 0;
		if (this.#deps.persist && !empty) {
			this.#persist(rows, merged);
		}

		this.#deps.afterWrite();
	}

	#persist(rows: Map<string, TaskRow>, merged: Batch): void {
		const {clock, onWarning} = this.#deps;
		try {
			this.#deps.persist?.({...merged, tasks: [...rows.values()]});
			this.#unsaved = null;
			this.#saved(keptRows(rows.size, merged));
		} catch (error) {
			if (permanent(error)) {
				// Retrying cannot help (a constraint the batch breaks): say so and move on.
				this.#unsaved = null;
				onWarning?.(`state change dropped, it cannot be saved: ${messageOf(error)}`);
				return;
			}

			const kept = boundKept(merged);
			this.#unsaved = {tasks: rows, batch: kept.batch};
			if (this.#failing === null) {
				this.#failing = {since: clock.now(), dropped: 0};
				onWarning?.(`state not saved, retrying every ${retryWritesMs / 1000}s (kept in memory meanwhile): ${messageOf(error)}`);
			}

			this.#failing.dropped += kept.dropped;
			this.#retryTimer ??= clock.at(clock.now() + retryWritesMs, () => {
				this.#retryTimer = null;
				this.flush();
			});
		}
	}

	/** A write worked: after failures, say what was kept and for how long. */
	#saved(rows: number): void {
		const failing = this.#failing;
		if (failing === null) {
			return;
		}

		this.#failing = null;
		const seconds = Math.round((this.#deps.clock.now() - failing.since) / 1000);
		const dropped = failing.dropped > 0 ? `; ${failing.dropped} rows of history (the oldest events and finished runs) were dropped to bound memory` : '';
		this.#deps.onWarning?.(`state saved again after ${seconds}s: ${rows} rows kept meanwhile are written${dropped}`);
	}
}

function permanent(error: unknown): boolean {
	const cause = (error as {cause?: {code?: unknown}}).cause;
	return typeof cause?.code === 'string' && cause.code.startsWith('SQLITE_CONSTRAINT');
}

function emptyBatch(): Batch {
	return {tasks: [], runStarts: [], runEnds: [], events: []};
}

function concatBatches(a: Batch, b: Batch): Batch {
	return {
		tasks: [],
		runStarts: [...a.runStarts, ...b.runStarts],
		runEnds: [...a.runEnds, ...b.runEnds],
		events: [...a.events, ...b.events],
	};
}
