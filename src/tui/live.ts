/**
 * The tasks, the daemon and the host the dashboard draws: a reducer over the daemon's feed
 * (`FeedSink`), kept outside React and read through `useSyncExternalStore`. Every transition
 * comes with the task's whole document and every other change as a document too, so nothing
 * here patches a document, parses a reason or asks the daemon anything. Sequencing (events
 * racing the snapshot, a new snapshot after a drop) is the client's (`core/client/feed.ts`).
 *
 * The map is changed in place rather than copied: with 1,000 tasks and bursts of events, a copy
 * per event would cost more than the frame it feeds; React reads it by version.
 */
import {claimedOf, type Claimed} from '../core/capacity.js';
import type {FeedSink} from '../core/client/seam.js';
import type {DaemonDoc, EventDoc, HostDoc, StatusDoc, TaskStatus, TasksUpdate} from '../core/ipc/methods.js';
import type {StateKind} from '../core/model.js';
import {systemClock, type Clock} from './clock.js';
import {Versioned} from './versioned.js';

export type ConnectionState = {
	status: 'connecting' | 'connected' | 'disconnected';
	/** Why the last connection ended or the last attempt failed. */
	error: string | null;
	/** Failed attempts since the connection was lost. */
	attempts: number;
};

export type TaskTally = {counts: ReadonlyMap<StateKind, number>; claimed: Claimed};

export class LiveData extends Versioned {
	tasks = new Map<string, TaskStatus>();
	daemon: DaemonDoc | null = null;
	host: HostDoc | null = null;
	connection: ConnectionState = {status: 'connecting', error: null, attempts: 0};
	/** With several hosts (`tm top --host a,b`): each one's connection, in order; else null. */
	links: ReadonlyMap<string, ConnectionState> | null = null;
	/** `tm top --cluster`: a HOST column (each job's member) though there is one connection. */
	hostColumn = false;
	/** The time the ages on screen are computed against (the last change or tick). */
	now: number;
	/** Bumped when a task document comes or goes (not by ticks): what is derived from the tasks alone is kept until then. */
	tasksVersion = 0;
	#tally: {version: number; value: TaskTally} | null = null;

	/** The feed's callbacks, for `client.subscribe`. */
	readonly sink: FeedSink = {
		snapshot: doc => this.applySnapshot(doc),
		event: event => this.applyEvent(event),
		tasks: update => this.applyTasks(update),
	};

	constructor(minGapMs = 50, clock: Clock = systemClock) {
		super(minGapMs, clock);
		this.now = clock.now();
	}

	/** The whole picture: tasks it does not list are gone. */
	applySnapshot(doc: StatusDoc): void {
		this.tasks = new Map(doc.tasks.map(task => [task.id, task]));
		this.daemon = doc.daemon;
		this.host = doc.host ?? null;
		this.tasksVersion++;
		this.#touch();
	}

	/** A transition: the task's document as it is now (a task not known yet is simply added). */
	applyEvent(event: EventDoc): void {
		this.tasks.set(event.taskId, event.task);
		this.tasksVersion++;
		this.#touch();
	}

	/** Documents that changed without a transition, and the tasks that left. */
	applyTasks(update: TasksUpdate): void {
		for (const task of update.tasks) {
			this.tasks.set(task.id, task);
		}

		for (const id of update.removed) {
			this.tasks.delete(id);
		}

		if (update.tasks.length > 0 || update.removed.length > 0) {
			this.tasksVersion++;
		}

		this.host = update.host;
		if (update.capacity !== undefined && this.daemon !== null) {
			this.daemon = {...this.daemon, capacity: update.capacity};
		}

		this.#touch();
	}

	/** Tasks per state and what the slot holders claim, for the header: counted once per change of the tasks, not per frame. */
	get tally(): TaskTally {
		if (this.#tally?.version !== this.tasksVersion) {
			const counts = new Map<StateKind, number>();
			for (const task of this.tasks.values()) {
				counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
			}

			this.#tally = {version: this.tasksVersion, value: {counts, claimed: claimedOf(this.tasks.values())}};
		}

		return this.#tally.value;
	}

	/** Ages and countdowns move on with nothing else changed. */
	tick(): void {
		this.#touch();
	}

	setConnection(connection: ConnectionState): void {
		this.connection = connection;
		this.flush();
	}

	#touch(): void {
		this.now = this.clock.now();
		this.changed();
	}
}
