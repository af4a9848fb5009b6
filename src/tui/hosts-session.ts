/**
 * The dashboard's side of several daemons (`tm top --host a,b`): one connection per host, each
 * reconnecting on its own (`reconnect.ts`), their feeds into one table (`hosts-data.ts`); the
 * selected task's log, its detail and the actions go to its host (`hosts-client.ts`). It is
 * what `Session` is for one daemon, to the same screen.
 */
import type {Connector, Subscription, TmClient} from '../core/client/seam.js';
import {TmError} from '../core/errors.js';
import {perform} from './actions.js';
import {every, systemClock, type Clock, type TimerHandle} from './clock.js';
import {Details} from './details.js';
import {HostsClient} from './hosts-client.js';
import {HostsData, splitId} from './hosts-data.js';
import {LogFeed} from './log-feed.js';
import {LogFollow} from './log-follow.js';
import {Reconnect} from './reconnect.js';
import {Versioned} from './versioned.js';
import type {SessionOptions} from './session.js';
import type {Effect} from './state.js';

export type HostLink = {name: string; connect: Connector};

type Host = {name: string; link: Reconnect; client: TmClient | null; feed: Subscription | null};

export class HostsSession {
	readonly data: HostsData;
	readonly logs: LogFeed;
	readonly details: Details;
	readonly #clock: Clock;
	readonly #intervalMs: number;
	readonly #hosts = new Map<string, Host>();
	readonly #router: HostsClient;
	readonly #follow: LogFollow;
	readonly #notice: (text: string, error: boolean) => void;
	#followed: string | null = null;
	#detail: string | null = null;
	#ticker: TimerHandle | null = null;

	constructor(hosts: readonly HostLink[], options: Omit<SessionOptions, 'connect'>) {
		const clock = options.clock ?? systemClock;
		const delayMs = options.followDelayMs ?? 120;
		this.#clock = clock;
		this.#intervalMs = options.intervalMs;
		this.#notice = (text, error) => options.onNotice?.(text, error);
		this.data = new HostsData(
			hosts.map(host => host.name),
			options.dataGapMs ?? 50,
			clock,
		);
		this.logs = new LogFeed(options.logFlushMs ?? 100, options.logCapacity ?? 5000, clock);
		Versioned.paintTogether(this.data, this.logs);
		this.details = new Details(clock, delayMs);
		this.#router = new HostsClient(name => this.#hosts.get(name)?.client ?? null);
		this.#follow = new LogFollow(this.logs, {clock, delayMs, tail: options.logTail ?? 500});
		this.#follow.attach(this.#router);
		this.details.attach(this.#router);
		for (const {name, connect} of hosts) {
			this.#hosts.set(name, this.#host(name, connect, clock, options.maxRetryMs ?? 1000));
		}
	}

	/** Connects to every host; rejects only when none answers (with each one's reason). */
	async start(): Promise<void> {
		const hosts = [...this.#hosts.values()];
		const errors = await Promise.all(hosts.map(async host => host.link.startOrRetry()));
		if (errors.every(error => error !== null)) {
			const first = errors[0];
			throw new TmError(
				first instanceof TmError ? first.code : 'E_DAEMON_NOT_RUNNING',
				hosts.map((host, i) => `${host.name}: ${errors[i] instanceof Error ? (errors[i] as Error).message : String(errors[i])}`).join('; '),
			);
		}

		this.#ticker = every(this.#clock, this.#intervalMs, () => {
			if (this.data.connection.status === 'connected') {
				this.data.tick();
			}
		});
	}

	async close(): Promise<void> {
		this.#ticker?.cancel();
		this.#ticker = null;
		this.#follow.close();
		await Promise.all(
			[...this.#hosts.values()].map(async host => {
				await host.feed?.close();
				await host.link.close();
			}),
		);
		this.details.dispose();
		this.data.dispose();
		this.logs.dispose();
	}

	follow(taskId: string | null): void {
		this.#followed = taskId;
		this.#follow.follow(taskId);
	}

	showDetail(taskId: string | null): void {
		this.#detail = taskId;
		this.details.show(taskId);
	}

	perform(effect: Effect): Promise<void> {
		return perform(this.#router, effect, this.#notice);
	}

	#host(name: string, connect: Connector, clock: Clock, maxRetryMs: number): Host {
		const host: Host = {name, client: null, feed: null, link: null as unknown as Reconnect};
		// A host coming or going restarts what follows one of its tasks.
		const again = (): void => {
			if (this.#followed !== null && splitId(this.#followed)?.host === name) {
				this.#follow.attach(this.#router);
			}

			if (this.#detail !== null && splitId(this.#detail)?.host === name) {
				this.details.attach(this.#router);
			}
		};

		host.link = new Reconnect({
			connect,
			clock,
			maxRetryMs,
			onState: state => this.data.setLink(name, state),
			attach: async client => {
				host.feed = await client.subscribe(this.data.hostSink(name));
			},
			connected: client => {
				host.client = client;
				again();
			},
			lost: () => {
				host.client = null;
				host.feed = null;
				again();
			},
		});
		return host;
	}
}
