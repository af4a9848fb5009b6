/**
 * The dashboard's side of the daemon, put together: one client (`reconnect.ts`) whose feed
 * keeps the tasks current (`live.ts`), the selected task's log (`log-follow.ts`), the static
 * part of an open detail (`details.ts`) and the actions keys ask for (`actions.ts`). The daemon
 * is asked something only when a person does something: a transition paints from its event.
 */
import type {Connector, Subscription} from '../core/client/seam.js';
import {perform} from './actions.js';
import {every, systemClock, type Clock, type TimerHandle} from './clock.js';
import {ClusterClient} from './cluster-client.js';
import {Details} from './details.js';
import {LiveData} from './live.js';
import {LogFeed} from './log-feed.js';
import {LogFollow} from './log-follow.js';
import {Reconnect} from './reconnect.js';
import {Versioned} from './versioned.js';
import type {Effect} from './state.js';

export type SessionOptions = {
	connect: Connector;
	clock?: Clock;
	/** How often ages and countdowns on screen move on (the documents come from the daemon as they change). */
	intervalMs: number;
	/** How often new log lines reach the screen. */
	logFlushMs?: number;
	/** Shortest time between two refreshes of the task list on screen (bursts of events coalesce). */
	dataGapMs?: number;
	/** Lines of the log kept for the selected task. */
	logCapacity?: number;
	/** Lines asked for when following a task starts. */
	logTail?: number;
	/** Pause before following another task or describing it, so scrolling through the table does not churn. */
	followDelayMs?: number;
	/** Longest pause between reconnection attempts. */
	maxRetryMs?: number;
	/** Told about what actions did and about failures, for the status line. */
	onNotice?: (text: string, error: boolean) => void;
	/** `tm top --cluster`: the cluster's jobs (cluster-client.ts) with a HOST column, instead of this daemon's tasks. */
	cluster?: boolean;
};

export class Session {
	readonly data: LiveData;
	readonly logs: LogFeed;
	readonly details: Details;
	readonly #clock: Clock;
	readonly #intervalMs: number;
	readonly #link: Reconnect;
	readonly #follow: LogFollow;
	readonly #notice: (text: string, error: boolean) => void;
	#feed: Subscription | null = null;
	#ticker: TimerHandle | null = null;

	constructor(options: SessionOptions) {
		const clock = options.clock ?? systemClock;
		const delayMs = options.followDelayMs ?? 120;
		this.#clock = clock;
		this.#intervalMs = options.intervalMs;
		this.#notice = (text, error) => options.onNotice?.(text, error);
		this.data = new LiveData(options.dataGapMs ?? 50, clock);
		this.logs = new LogFeed(options.logFlushMs ?? 100, options.logCapacity ?? 5000, clock);
		Versioned.paintTogether(this.data, this.logs);
		this.details = new Details(clock, delayMs);
		this.#follow = new LogFollow(this.logs, {clock, delayMs, tail: options.logTail ?? 500});
		const {connect, cluster = false} = options;
		this.data.hostColumn = cluster;
		this.#link = new Reconnect({
			connect: cluster ? async () => new ClusterClient(await connect(), clock, Math.max(1000, options.intervalMs)) : connect,
			clock,
			maxRetryMs: options.maxRetryMs ?? 1000,
			onState: state => this.data.setConnection(state),
			attach: async client => {
				this.#feed = await client.subscribe(this.data.sink);
			},
			connected: client => {
				this.#follow.attach(client);
				this.details.attach(client);
			},
			lost: () => {
				this.#feed = null;
				this.#follow.attach(null);
				this.details.attach(null);
			},
		});
	}

	/** Connects and takes the first snapshot; rejects (E_DAEMON_NOT_RUNNING…) when that fails. */
	async start(): Promise<void> {
		await this.#link.start();
		this.#ticker = every(this.#clock, this.#intervalMs, () => {
			if (this.data.connection.status === 'connected') {
				this.data.tick();
			}
		});
	}

	/** Closes the connection and every stream and timer. */
	async close(): Promise<void> {
		this.#ticker?.cancel();
		this.#ticker = null;
		this.#follow.close();
		await this.#feed?.close();
		this.#feed = null;
		await this.#link.close();
		this.details.dispose();
		this.data.dispose();
		this.logs.dispose();
	}

	/** The selected task, whose log is followed (null: none). */
	follow(taskId: string | null): void {
		this.#follow.follow(taskId);
	}

	/** The task whose detail is on screen (null: none). */
	showDetail(taskId: string | null): void {
		this.details.show(taskId);
	}

	/** Carries out an effect of the reducer (an action on tasks); the outcome goes to the status line. */
	perform(effect: Effect): Promise<void> {
		return perform(this.#link.client, effect, this.#notice);
	}
}
