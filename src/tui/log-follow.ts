/**
 * The selected task's log: `client.followLogs` into the LogFeed. Another selection switches the
 * follow after a short pause (holding `j` does not open a follow per row); a new connection
 * follows the same task again, from its tail.
 */
import type {LogSink, Subscription, TmClient} from '../core/client/seam.js';
import {messageOf} from '../core/errors.js';
import {after, type Clock, type TimerHandle} from './clock.js';
import type {LogFeed} from './log-feed.js';

export type LogFollowOptions = {
	clock: Clock;
	/** The pause before following another task. */
	delayMs: number;
	/** Lines asked for when a follow starts. */
	tail: number;
};

export class LogFollow {
	readonly #logs: LogFeed;
	readonly #options: LogFollowOptions;
	#client: TmClient | null = null;
	#wanted: string | null = null;
	#timer: TimerHandle | null = null;
	#subscription: Subscription | null = null;
	/** Bumped by every new follow: lines and answers of an older one are dropped. */
	#token = 0;

	constructor(logs: LogFeed, options: LogFollowOptions) {
		this.#logs = logs;
		this.#options = options;
	}

	/** Follows `taskId`'s log (null: none), after the pause. */
	follow(taskId: string | null): void {
		if (taskId === this.#wanted) {
			return;
		}

		this.#wanted = taskId;
		this.#stop();
		this.#logs.reset(taskId);
		this.#timer?.cancel();
		this.#timer = after(this.#options.clock, this.#options.delayMs, () => {
			this.#timer = null;
			if (taskId !== null && this.#wanted === taskId) {
				this.#start(taskId);
			}
		});
	}

	/** The client to follow on, or null while disconnected (the follow ends with its connection). */
	attach(client: TmClient | null): void {
		this.#client = client;
		this.#stop();
		if (client !== null && this.#wanted !== null && this.#timer === null) {
			this.#start(this.#wanted);
		}
	}

	close(): void {
		this.#timer?.cancel();
		this.#timer = null;
		this.#client = null;
		this.#stop();
	}

	#stop(): void {
		this.#token++;
		void this.#subscription?.close();
		this.#subscription = null;
	}

	#start(taskId: string): void {
		const client = this.#client;
		if (client === null) {
			return;
		}

		const token = ++this.#token;
		const logs = this.#logs;
		const current = (): boolean => token === this.#token;
		const sink: LogSink = {
			tail(lines) {
				if (current()) {
					for (const line of lines) {
						logs.push(line, false);
					}
				}
			},
			line(line) {
				if (current()) {
					logs.push(line);
				}
			},
			dropped(count) {
				if (current()) {
					logs.addDropped(count);
				}
			},
		};
		logs.reset(taskId);
		void client.followLogs({name: taskId, lines: this.#options.tail}, sink).then(
			subscription => {
				if (current()) {
					this.#subscription = subscription;
					logs.setStatus('following');
				} else {
					void subscription.close();
				}
			},
			(error: unknown) => {
				if (current()) {
					logs.setStatus('error', messageOf(error));
				}
			},
		);
	}
}
