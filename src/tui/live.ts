/**
 * The data the dashboard draws, kept outside React: the tasks and the daemon (from the
 * snapshot, events and `status` polls), and the selected task's log lines. Each store has a
 * version that React reads through `useSyncExternalStore`; changes are coalesced so a burst
 * of events or lines costs one render, and nothing is bumped when nothing changed.
 */
import type {DaemonDoc, EventDoc, HostDoc, LogLineDoc, StatusDoc, TaskDetail, TaskStatus} from '../core/ipc/methods.js';
import type {StateKind} from '../core/model.js';
import {LogRing} from './log-ring.js';

type Listener = () => void;

/** A version number with listeners, notified at most once per `minGapMs`. */
class Versioned {
	version = 0;
	readonly #listeners = new Set<Listener>();
	#minGapMs: number;
	#timer: NodeJS.Timeout | null = null;
	#lastAt = 0;

	constructor(minGapMs: number) {
		this.#minGapMs = minGapMs;
	}

	subscribe = (listener: Listener): (() => void) => {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	};

	getVersion = (): number => this.version;

	/** Changes the shortest time between two notifications. */
	setMinGap(ms: number): void {
		this.#minGapMs = ms;
	}

	/** Something changed: listeners hear of it now, or once the gap since the last time has passed. */
	changed(): void {
		if (this.#timer !== null) {
			return;
		}

		const wait = Math.max(0, this.#lastAt + this.#minGapMs - Date.now());
		this.#timer = setTimeout(() => this.flush(), wait);
	}

	/** Notifies at once. */
	flush(): void {
		if (this.#timer !== null) {
			clearTimeout(this.#timer);
			this.#timer = null;
		}

		this.#lastAt = Date.now();
		this.version++;
		for (const listener of [...this.#listeners]) {
			listener();
		}
	}

	dispose(): void {
		if (this.#timer !== null) {
			clearTimeout(this.#timer);
			this.#timer = null;
		}

		this.#listeners.clear();
	}
}

export type ConnectionState = {
	status: 'connecting' | 'connected' | 'disconnected';
	/** Why the last connection ended or the last attempt failed. */
	error: string | null;
	/** Failed attempts since the connection was lost. */
	attempts: number;
};

const liveStates: ReadonlySet<string> = new Set<StateKind>(['running', 'paused']);

/** The tasks, the daemon and the connection. */
export class LiveData extends Versioned {
	tasks = new Map<string, TaskStatus>();
	daemon: DaemonDoc | null = null;
	host: HostDoc | null = null;
	connection: ConnectionState = {status: 'connecting', error: null, attempts: 0};
	/** What `describe` answered, per task. */
	details = new Map<string, TaskDetail>();
	/** Whether the daemon answers `describe` (null: not asked yet). */
	describeSupported: boolean | null = null;
	/** The time the ages on screen are computed against (the last refresh). */
	now = Date.now();

	constructor(minGapMs = 50) {
		super(minGapMs);
	}

	/** A full snapshot (`subscribe` or `status`): tasks that are no longer listed go away. */
	applySnapshot(doc: StatusDoc): void {
		const tasks = new Map<string, TaskStatus>();
		for (const task of doc.tasks) {
			tasks.set(task.id, task);
		}

		this.tasks = tasks;
		this.daemon = doc.daemon;
		this.host = doc.host ?? null;
		this.now = Date.now();
		this.changed();
	}

	/** Fresh documents for some tasks (a poll of the rows on screen); the others stay as they are. */
	applyTasks(doc: StatusDoc): void {
		for (const task of doc.tasks) {
			if (this.tasks.has(task.id)) {
				this.tasks.set(task.id, task);
			}
		}

		this.daemon = doc.daemon;
		this.host = doc.host ?? this.host;
		this.now = Date.now();
		this.changed();
	}

	/**
	 * A state change. Events carry the state, pid and counters; what they do not carry (cpu,
	 * backoff deadline…) comes with the next poll. Returns false for a task not known yet.
	 */
	applyEvent(event: EventDoc): boolean {
		const task = this.tasks.get(event.taskId);
		if (!task) {
			return false;
		}

		const state = event.to as StateKind;
		const up = liveStates.has(state);
		const exit = /^exit (-?\d+)$/.exec(event.exit ?? '');
		this.tasks.set(event.taskId, {
			...task,
			state,
			reason: event.reason,
			pid: event.pid,
			restarts: event.restarts,
			attempt: event.attempt,
			startedAt: up ? (liveStates.has(task.state) ? task.startedAt : event.at) : null,
			exitCode: exit ? Number(exit[1]) : task.exitCode,
			backoffUntil: state === 'backoff' ? task.backoffUntil : null,
			cpu: up ? task.cpu : null,
			memory: up ? task.memory : null,
		});
		this.now = Date.now();
		this.changed();
		return true;
	}

	setConnection(connection: ConnectionState): void {
		this.connection = connection;
		this.flush();
	}

	setDetail(detail: TaskDetail): void {
		this.details.set(detail.id, detail);
		this.changed();
	}
}

/** The selected task's output: a ring of lines, flushed to the screen at most every `flushMs`. */
export class LogFeed extends Versioned {
	readonly ring: LogRing;
	taskId: string | null = null;
	status: 'idle' | 'loading' | 'following' | 'error' = 'idle';
	error: string | null = null;
	/** Lines the daemon dropped because this client read too slowly. */
	dropped = 0;
	/** Lines per second, measured over the last second or so. */
	rate = 0;
	#rateCount = 0;
	#rateSince = Date.now();

	constructor(flushMs = 100, capacity = 5000) {
		super(flushMs);
		this.ring = new LogRing(capacity);
	}

	/** Lines per second now: 0 once nothing came for two seconds. */
	currentRate(now = Date.now()): number {
		return now - this.#rateSince > 2000 ? 0 : this.rate;
	}

	/** Starts over for another task (or none). */
	reset(taskId: string | null): void {
		this.taskId = taskId;
		this.ring.clear();
		this.status = taskId === null ? 'idle' : 'loading';
		this.error = null;
		this.dropped = 0;
		this.rate = 0;
		this.#rateCount = 0;
		this.#rateSince = Date.now();
		this.flush();
	}

	push(line: LogLineDoc, counted = true): void {
		this.ring.push({stream: line.stream, text: line.text});
		if (counted) {
			this.#rateCount++;
			const now = Date.now();
			if (now - this.#rateSince >= 1000) {
				this.rate = (this.#rateCount * 1000) / (now - this.#rateSince);
				this.#rateCount = 0;
				this.#rateSince = now;
			}
		}

		this.changed();
	}

	setStatus(status: LogFeed['status'], error: string | null = null): void {
		this.status = status;
		this.error = error;
		this.changed();
	}

	addDropped(count: number): void {
		this.dropped += count;
		this.changed();
	}
}
