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
import type {FeedSink} from '../core/client/seam.js';
import type {DaemonDoc, EventDoc, HostDoc, StatusDoc, TaskStatus, TasksUpdate} from '../core/ipc/methods.js';
import {systemClock, type Clock} from './clock.js';
import {Versioned} from './versioned.js';

export type ConnectionState = {
	status: 'connecting' | 'connected' | 'disconnected';
	/** Why the last connection ended or the last attempt failed. */
	error: string | null;
	/** Failed attempts since the connection was lost. */
	attempts: number;
};

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
		this.#touch();
	}

	/** A transition: the task's document as it is now (a task not known yet is simply added). */
	applyEvent(event: EventDoc): void {
		this.tasks.set(event.taskId, event.task);
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

		this.host = update.host;
		if (update.capacity !== undefined && this.daemon !== null) {
			this.daemon = {...this.daemon, capacity: update.capacity};
		}

		this.#touch();
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
