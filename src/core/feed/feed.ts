/**
 * The read model as a stream, for every reader in the daemon (socket subscribers, the web view):
 * each transition as an event carrying the task's whole document, and, once a second while
 * anyone listens, the documents that changed without a transition (cpu, memory, heartbeat,
 * progress, a schedule) and the tasks that went away; the daemon's document when its health
 * changes (a full disk, and its end). The last events are kept, so a reader that comes back with
 * the last seq it saw gets what it missed.
 */
import {noClaims} from '../capacity.js';
import type {Clock, TimerHandle} from '../clock.js';
import {capacityDoc, eventDoc, statusDoc, taskDoc} from '../documents.js';
import type {Engine} from '../engine.js';
import type {CapacityDoc, DaemonDoc, EventDoc, HostDoc, StatusDoc, TaskStatus, TasksUpdate} from '../ipc/methods.js';
import type {Supervisor} from '../supervisor.js';
import {EventJournal, type Replay} from './journal.js';

export type FeedItem = {type: 'event'; event: EventDoc} | {type: 'tasks'; update: TasksUpdate} | {type: 'daemon'; daemon: DaemonDoc};

export type FeedDeps = {
	engine: Engine;
	clock: Clock;
	daemon(): DaemonDoc;
	host(): HostDoc | null;
	/** How often changed documents go out while anyone listens. */
	tickMs?: number;
	/**
	 * Events kept for readers that come back with the last seq they saw (the web view's
	 * `Last-Event-ID`); 0 keeps none (socket subscribers take a new snapshot instead).
	 */
	journalSize?: number;
};

export const feedTickMs = 1000;

export class Feed {
	readonly #deps: FeedDeps;
	readonly #listeners = new Set<(item: FeedItem) => void>();
	readonly #journal: EventJournal;
	/** What every listener last got of each task (its document, or that as JSON): only changes go out. */
	#sent = new Map<string, TaskStatus | string>();
	/**
	 * What each task's document was last compared from. Its parts are replaced, never changed in
	 * place, so the same parts make the same document: a tick builds only the documents of tasks
	 * that moved (100,000 queued jobs cost a lookup each, not a document and its JSON).
	 */
	#parts = new Map<string, DocParts>();
	/** The capacity's limits as last sent: a reload that changes only them is sent too. */
	#limits = '';
	#tick: TimerHandle | null = null;
	readonly #off: () => void;

	constructor(deps: FeedDeps) {
		this.#deps = deps;
		this.#journal = new EventJournal(deps.journalSize ?? 0, deps.engine.lastSeq);
		this.#off = deps.engine.on(event => {
			const doc = eventDoc(event);
			this.#journal.push(doc);
			if (this.#listeners.size > 0) {
				// Compared as JSON at the next tick only: no work per event.
				this.#sent.set(doc.taskId, doc.task);
				this.#emit({type: 'event', event: doc});
			}
		});
	}

	/** The seq of the last event published. */
	/** Whether anyone listens (tm top, the web view): the monitor samples every task at every tick then. */
	get watched(): boolean {
		return this.#listeners.size > 0;
	}

	get lastSeq(): number {
		return this.#journal.lastSeq;
	}

	/**
	 * The whole picture now, and the seq it is current to. Taken in the same synchronous turn as
	 * `on`, a reader gets no gap and no duplicate. The engine is settled first (nothing shown
	 * that the store could lose).
	 */
	snapshot(): StatusDoc & {lastSeq: number} {
		const {engine} = this.#deps;
		engine.settle();
		return {...statusDoc(this.#deps.daemon(), engine.list(), this.#deps.host(), engine.config.daemon), lastSeq: this.lastSeq};
	}

	/** The daemon's document now (`/healthz`). */
	daemon(): DaemonDoc {
		return this.#deps.daemon();
	}

	/** The daemon's health changed (a full disk began or ended): every listener gets its document. */
	daemonChanged(): void {
		if (this.#listeners.size > 0) {
			this.#emit({type: 'daemon', daemon: this.#deps.daemon()});
		}
	}

	/** Events after `seq`, or why they cannot all be given. */
	since(seq: number): Replay {
		return this.#journal.since(seq);
	}

	/** The last `n` events, oldest first. */
	tail(n: number): EventDoc[] {
		return this.#journal.tail(n);
	}

	on(listener: (item: FeedItem) => void): () => void {
		if (this.#listeners.size === 0) {
			// Nobody listened: what was sent before is stale (the snapshot has the capacity as it is).
			const {engine} = this.#deps;
			const {daemon} = engine.config;
			this.#sent = new Map();
			this.#parts = new Map();
			for (const task of engine.list()) {
				this.#sent.set(task.id, JSON.stringify(taskDoc(task, daemon)));
				this.#parts.set(task.id, partsOf(task, daemon));
			}

			this.#limits = limitsOf(capacityDoc(this.#deps.engine.queue.limits(), noClaims));
		}

		this.#listeners.add(listener);
		this.#arm();
		return () => {
			this.#listeners.delete(listener);
		};
	}

	close(): void {
		this.#off();
		this.#tick?.cancel();
		this.#tick = null;
		this.#listeners.clear();
	}

	#emit(item: FeedItem): void {
		for (const listener of [...this.#listeners]) {
			listener(item);
		}
	}

	#arm(): void {
		if (this.#tick !== null || this.#listeners.size === 0) {
			return;
		}

		const {clock} = this.#deps;
		this.#tick = clock.at(clock.now() + (this.#deps.tickMs ?? feedTickMs), () => {
			this.#tick = null;
			if (this.#listeners.size > 0) {
				this.#pushChanges();
				this.#arm();
			}
		});
	}

	/** Sends the documents that changed since the last tick, and the tasks that left. */
	#pushChanges(): void {
		const {engine} = this.#deps;
		engine.settle();
		const {daemon} = engine.config;
		const changed: TaskStatus[] = [];
		for (const task of engine.list()) {
			const last = this.#parts.get(task.id);
			if (last !== undefined && madeOf(last, task, daemon)) {
				continue;
			}

			this.#parts.set(task.id, partsOf(task, daemon));
			const doc = taskDoc(task, daemon);
			const json = JSON.stringify(doc);
			const sent = this.#sent.get(task.id);
			if ((typeof sent === 'string' ? sent : JSON.stringify(sent)) !== json) {
				changed.push(doc);
			}

			this.#sent.set(task.id, json);
		}

		const removed = [...this.#sent.keys()].filter(id => !engine.has(id));
		for (const id of removed) {
			this.#sent.delete(id);
			this.#parts.delete(id);
		}

		const capacity = capacityDoc(engine.queue.limits(), engine.queue.claimed());
		const limits = limitsOf(capacity);
		if (changed.length > 0 || removed.length > 0 || limits !== this.#limits) {
			this.#limits = limits;
			const at = new Date(this.#deps.clock.now()).toISOString();
			this.#emit({type: 'tasks', update: {tasks: changed, removed, host: this.#deps.host(), at, capacity}});
		}
	}
}

/** Everything `taskDoc` reads: the task (a replaced one is another), its record, run, info, times, next run, and the daemon's defaults. */
type DocParts = readonly unknown[];

function partsOf(task: Supervisor, daemon: unknown): DocParts {
	return [task, task.record, task.run, task.info, task.times, task.nextRunAt, daemon];
}

/** Compared in place: a tick over 100,000 unchanged tasks allocates nothing. */
function madeOf(parts: DocParts, task: Supervisor, daemon: unknown): boolean {
	return parts[0] === task && parts[1] === task.record && parts[2] === task.run && parts[3] === task.info && parts[4] === task.times && parts[5] === task.nextRunAt && parts[6] === daemon;
}

/** The limits of a capacity document (not what is claimed), to tell a change. */
function limitsOf({slots, memory, cpu}: CapacityDoc): string {
	return JSON.stringify([slots, memory, cpu]);
}
