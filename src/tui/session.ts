/**
 * The dashboard's side of the socket: one connection for the snapshot, the live events, the
 * `status` polls and the actions; a second one that follows the selected task's log (the
 * daemon stops a `logs` follow only when its connection closes). When the daemon goes away the
 * session keeps retrying and the view comes back by itself.
 */
import {RpcClient} from '../core/ipc/client.js';
import {messageOf, TmError} from '../core/errors.js';
import type {EventDoc, LogLineDoc, TaskActionResults} from '../core/ipc/methods.js';
import {RpcError, rpcErrorCodes} from '../core/ipc/protocol.js';
import {LiveData, LogFeed} from './live.js';
import type {Effect} from './state.js';

export type SessionOptions = {
	socketPath: string;
	/** How often `status` is polled for cpu, memory, heartbeats and deadlines. */
	intervalMs: number;
	/** How often new log lines reach the screen. */
	logFlushMs?: number;
	/** Shortest time between two refreshes of the task list on screen (bursts of events coalesce). */
	dataGapMs?: number;
	/** Lines of the log kept for the selected task. */
	logCapacity?: number;
	/** Lines asked for when following a task starts. */
	logTail?: number;
	/** Pause before following another task, so scrolling through the table does not churn. */
	followDelayMs?: number;
	/** Longest pause between reconnection attempts. */
	maxRetryMs?: number;
	/** Told about what actions did and about failures, for the status line. */
	onNotice?: (text: string, error: boolean) => void;
	connect?: (socketPath: string) => Promise<RpcClient>;
};

/** True when the daemon answered "method not found" (-32601): it is older than this dashboard. */
export function isMethodNotFound(error: unknown): boolean {
	return error instanceof TmError && error.cause instanceof RpcError && error.cause.code === rpcErrorCodes.methodNotFound;
}

const pastTense: Record<string, string> = {
	start: 'started',
	stop: 'stopped',
	restart: 'restarted',
	pause: 'paused',
	resume: 'resumed',
	cancel: 'cancelled',
};

/** The status line for an action's answer. */
export function summarize(what: string, results: TaskActionResults['results']): {text: string; error: boolean} {
	const failed = results.filter(r => !r.ok);
	if (results.length === 1 && results[0]) {
		const r = results[0];
		return r.ok ? {text: `${what} ${r.name}: ${r.state}`, error: false} : {text: `${what} ${r.name} failed: ${r.error ?? r.state}`, error: true};
	}

	if (failed.length === 0) {
		return {text: `${what}: ${results.length} tasks ok`, error: false};
	}

	const first = failed[0]!;
	return {
		text: `${what}: ${results.length - failed.length} ok, ${failed.length} failed (${first.name}: ${first.error ?? first.state})`,
		error: true,
	};
}

export class Session {
	/** Every this many polls, all tasks are polled (the others ask only for the rows on screen). */
	static fullEvery = 5;
	readonly data: LiveData;
	readonly logs: LogFeed;
	readonly #options: Required<Omit<SessionOptions, 'onNotice' | 'connect'>> & Pick<SessionOptions, 'onNotice'>;
	readonly #connect: (socketPath: string) => Promise<RpcClient>;
	#client: RpcClient | null = null;
	#closed = false;
	#pollTimer: NodeJS.Timeout | null = null;
	#retryTimer: NodeJS.Timeout | null = null;
	#lastPollAt = 0;
	#polling = false;
	#logClient: RpcClient | null = null;
	#followTimer: NodeJS.Timeout | null = null;
	#followToken = 0;
	#followWanted: string | null = null;
	#visible: string[] = [];
	#detailOf: string | null = null;
	/** Every task's numbers are on screen or in use (sorting by cpu or memory): poll them all. */
	#allMetrics = false;
	/** Polls since the last one of every task. */
	#sinceFull = 0;
	#needFull = false;
	#describing = new Set<string>();
	/** Tasks whose details changed (an event came for them) and are to be described again. */
	#stale = new Set<string>();

	constructor(options: SessionOptions) {
		this.#options = {
			logFlushMs: 100,
			dataGapMs: 50,
			logCapacity: 5000,
			logTail: 500,
			followDelayMs: 120,
			maxRetryMs: 1000,
			...options,
		};
		this.#connect = options.connect ?? (path => RpcClient.connect(path, {client: 'tm-top', timeoutMs: 3000}));
		this.data = new LiveData(this.#options.dataGapMs);
		this.logs = new LogFeed(this.#options.logFlushMs, this.#options.logCapacity);
	}

	/** Connects and takes the first snapshot; rejects (E_DAEMON_NOT_RUNNING…) when that fails. */
	async start(): Promise<void> {
		await this.#attach();
	}

	/** Closes both connections and stops every timer. */
	async close(): Promise<void> {
		this.#closed = true;
		for (const timer of [this.#pollTimer, this.#retryTimer, this.#followTimer]) {
			if (timer !== null) {
				clearTimeout(timer);
			}
		}

		this.#pollTimer = this.#retryTimer = this.#followTimer = null;
		const clients = [this.#client, this.#logClient];
		this.#client = this.#logClient = null;
		await Promise.all(clients.map(client => client?.close()));
		this.data.dispose();
		this.logs.dispose();
	}

	#notice(text: string, error = false): void {
		this.#options.onNotice?.(text, error);
	}

	async #attach(): Promise<void> {
		this.data.setConnection({...this.data.connection, status: 'connecting'});
		const client = await this.#connect(this.#options.socketPath);
		if (this.#closed) {
			await client.close();
			return;
		}

		// Events may come before the snapshot's answer: keep them until it is in.
		let lastSeq: number | null = null;
		const early: EventDoc[] = [];
		client.on('event', event => {
			if (lastSeq === null) {
				early.push(event);
			} else if (event.seq > lastSeq) {
				lastSeq = event.seq;
				this.#onEvent(event);
			}
		});
		client.on('dropped', () => this.#refreshSoon(true));
		client.onClose(error => this.#lost(client, error));
		let snapshot;
		try {
			snapshot = await client.call('subscribe', {});
		} catch (error) {
			await client.close();
			throw error;
		}

		this.#client = client;
		this.data.details.clear();
		this.data.describeSupported = null;
		this.data.applySnapshot(snapshot);
		lastSeq = snapshot.lastSeq;
		for (const event of early) {
			if (event.seq > lastSeq) {
				lastSeq = event.seq;
				this.#onEvent(event);
			}
		}

		this.data.setConnection({status: 'connected', error: null, attempts: 0});
		this.#lastPollAt = Date.now();
		this.#schedulePoll(this.#options.intervalMs);
		this.#fetchDetails();
		if (this.#followWanted !== null) {
			this.#followNow(this.#followWanted);
		}
	}

	#onEvent(event: EventDoc): void {
		if (this.data.details.has(event.taskId)) {
			// Its failures, last exit or checkpoint may have changed.
			this.#stale.add(event.taskId);
			queueMicrotask(() => this.#fetchDetails());
		}

		if (!this.data.applyEvent(event)) {
			// A task the snapshot did not have (a new job, a reload): a fresh list soon.
			this.#refreshSoon(true);
			return;
		}

		if (event.to === 'backoff' || event.to === 'running') {
			// The backoff deadline and the start time come with the next status.
			this.#refreshSoon();
		}
	}

	#lost(client: RpcClient, error: TmError | null): void {
		if (this.#closed || this.#client !== client) {
			return;
		}

		this.#client = null;
		if (this.#pollTimer !== null) {
			clearTimeout(this.#pollTimer);
			this.#pollTimer = null;
		}

		this.data.setConnection({status: 'disconnected', error: error?.message ?? 'the daemon closed the connection', attempts: 0});
		void this.#logClient?.close();
		this.#logClient = null;
		this.#followToken++;
		this.#scheduleRetry();
	}

	#scheduleRetry(): void {
		if (this.#closed || this.#retryTimer !== null) {
			return;
		}

		const attempts = this.data.connection.attempts;
		const delay = Math.min(this.#options.maxRetryMs, 100 * 2 ** attempts);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			this.#attach().catch((error: unknown) => {
				if (this.#closed) {
					return;
				}

				this.data.setConnection({status: 'disconnected', error: messageOf(error), attempts: attempts + 1});
				this.#scheduleRetry();
			});
		}, delay);
	}

	#schedulePoll(delay: number): void {
		if (this.#closed || this.#client === null) {
			return;
		}

		if (this.#pollTimer !== null) {
			clearTimeout(this.#pollTimer);
		}

		this.#pollTimer = setTimeout(() => {
			this.#pollTimer = null;
			void this.#poll();
		}, delay);
	}

	/** Polls sooner than planned (an event's details, a new task), but not more than twice per interval. */
	#refreshSoon(full = false): void {
		this.#needFull ||= full;
		if (this.#client === null || this.#polling) {
			return;
		}

		const earliest = this.#lastPollAt + Math.min(this.#options.intervalMs, 1000) / 2;
		this.#schedulePoll(Math.max(50, earliest - Date.now()));
	}

	/**
	 * One `status` call. Events keep every task's state current, so most polls ask only for the
	 * rows on screen (their cpu, memory, heartbeat, progress, deadlines): with 1,000 tasks that
	 * is a few KB instead of half a MB a second. Every task is polled every `fullEvery` polls,
	 * after drops or unknown tasks, and always while the order depends on cpu or memory.
	 */
	async #poll(): Promise<void> {
		const client = this.#client;
		if (client === null || this.#polling) {
			return;
		}

		this.#polling = true;
		this.#lastPollAt = Date.now();
		const names = [...new Set([...this.#visible, ...(this.#detailOf === null ? [] : [this.#detailOf])])];
		const full = this.#needFull || this.#allMetrics || names.length === 0 || this.#sinceFull + 1 >= Session.fullEvery;
		try {
			this.#needFull = false;
			const doc = await client.call('status', full ? {} : {names});
			if (client === this.#client) {
				if (full) {
					this.#sinceFull = 0;
					this.data.applySnapshot(doc);
				} else {
					this.#sinceFull++;
					this.data.applyTasks(doc);
				}

				this.#fetchDetails();
			}
		} catch (error) {
			if (client === this.#client && !client.closed) {
				if (!full && error instanceof TmError && error.code === 'E_UNKNOWN_TASK') {
					// A row on screen is gone (a reload removed it): the whole list, next time.
					this.#needFull = true;
				} else {
					this.#notice(`status: ${messageOf(error)}`, true);
				}
			}
		} finally {
			this.#polling = false;
			if (client === this.#client) {
				this.#schedulePoll(this.#options.intervalMs);
			}
		}
	}

	/**
	 * The rows on screen: they are polled, and their details (retry limit, watchdog) fetched
	 * when missing. `allMetrics`: the order depends on every task's cpu or memory.
	 */
	setVisible(ids: string[], detailOf: string | null, allMetrics = false): void {
		const changed = ids.length !== this.#visible.length || ids.some((id, i) => id !== this.#visible[i]) || detailOf !== this.#detailOf;
		this.#visible = ids;
		this.#detailOf = detailOf;
		if (allMetrics && !this.#allMetrics) {
			this.#refreshSoon(true);
		}

		this.#allMetrics = allMetrics;
		if (changed) {
			this.#fetchDetails();
		}
	}

	/**
	 * `describe` for the tasks on screen (and the one whose detail is open) that were not
	 * described yet or changed since (an event came for them). The live numbers come with the
	 * polls; what only `describe` has changes with events.
	 */
	#fetchDetails(): void {
		const client = this.#client;
		if (client === null || this.data.describeSupported === false) {
			return;
		}

		const wanted = new Set<string>();
		for (const id of [...this.#visible, ...(this.#detailOf === null ? [] : [this.#detailOf])]) {
			if (!this.data.details.has(id) || this.#stale.has(id)) {
				wanted.add(id);
			}
		}

		for (const id of wanted) {
			this.#stale.delete(id);
			if (this.#describing.has(id) || !this.data.tasks.has(id)) {
				continue;
			}

			this.#describing.add(id);
			client
				.call('describe', {name: id})
				.then(detail => {
					this.data.describeSupported = true;
					this.data.setDetail(detail);
				})
				.catch((error: unknown) => {
					if (isMethodNotFound(error)) {
						if (this.data.describeSupported !== false) {
							this.data.describeSupported = false;
							this.data.changed();
						}
					}
				})
				.finally(() => this.#describing.delete(id));
		}
	}

	/** Follows `taskId`'s log (after a short pause, so holding `j` does not reconnect per row). */
	follow(taskId: string | null): void {
		if (taskId === this.#followWanted) {
			return;
		}

		this.#followWanted = taskId;
		this.#followToken++;
		void this.#logClient?.close();
		this.#logClient = null;
		this.logs.reset(taskId);
		if (this.#followTimer !== null) {
			clearTimeout(this.#followTimer);
		}

		this.#followTimer = setTimeout(() => {
			this.#followTimer = null;
			if (taskId !== null && this.#followWanted === taskId) {
				this.#followNow(taskId);
			}
		}, this.#options.followDelayMs);
	}

	#followNow(taskId: string): void {
		if (this.#closed || this.#client === null) {
			return;
		}

		const token = ++this.#followToken;
		const current = (): boolean => token === this.#followToken && !this.#closed;
		this.logs.reset(taskId);
		void (async () => {
			let client: RpcClient;
			try {
				client = await this.#connect(this.#options.socketPath);
			} catch (error) {
				if (current()) {
					this.logs.setStatus('error', messageOf(error));
				}

				return;
			}

			if (!current()) {
				await client.close();
				return;
			}

			this.#logClient = client;
			let last: number | null = null;
			const early: LogLineDoc[] = [];
			client.on('log', ({line}) => {
				if (last === null) {
					early.push(line);
				} else if (line.seq > last) {
					last = line.seq;
					this.logs.push(line);
				}
			});
			client.on('dropped', ({count}) => this.logs.addDropped(count));
			try {
				const doc = await client.call('logs', {name: taskId, lines: this.#options.logTail, follow: true});
				if (!current()) {
					return;
				}

				last = doc.lines.at(-1)?.seq ?? 0;
				for (const line of doc.lines) {
					this.logs.push(line, false);
				}

				for (const line of early) {
					if (line.seq > last) {
						last = line.seq;
						this.logs.push(line);
					}
				}

				this.logs.setStatus('following');
			} catch (error) {
				if (current()) {
					this.logs.setStatus('error', messageOf(error));
				}
			}
		})();
	}

	/** Carries out an effect of the reducer (an action on tasks); the outcome goes to the status line. */
	async perform(effect: Effect): Promise<void> {
		if (effect.kind === 'quit') {
			return;
		}

		const client = this.#client;
		if (client === null) {
			this.#notice('not connected to the daemon', true);
			return;
		}

		const method = effect.kind === 'signal' ? 'signal' : effect.verb;
		const target = effect.names.length === 1 ? effect.names[0]! : `${effect.names.length} tasks`;
		const label = effect.kind === 'signal' ? effect.signal : pastTense[effect.verb]!;
		this.#notice(effect.kind === 'signal' ? `sending ${effect.signal} to ${target}…` : `${effect.verb} ${target}…`);
		try {
			const answer =
				effect.kind === 'signal'
					? await client.call('signal', {signal: effect.signal, names: effect.names})
					: await client.call(effect.verb, {names: effect.names, wait: true});
			const {text, error} = summarize(label, answer.results);
			this.#notice(text, error);
		} catch (error) {
			this.#notice(
				isMethodNotFound(error) ? `${method}: this daemon does not support it yet` : `${method} ${target}: ${messageOf(error)}`,
				true,
			);
		} finally {
			this.#refreshSoon();
		}
	}
}
