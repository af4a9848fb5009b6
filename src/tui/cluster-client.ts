/**
 * `tm top --cluster`: the cluster's jobs through this member's daemon. PostgreSQL pushes no feed
 * to clients, so the feed is made here: the first snapshot, then every `everyMs` the whole list
 * again (`tasks --cluster`, at most 1,000 jobs) as a `tasks` update with the jobs that left.
 * Everything else goes to the daemon as it is (describe, pause, resume, cancel… are routed to
 * the cluster there); a log follow of a job another member runs shows the tail that member
 * ships (cluster/logs-read.ts) instead of following.
 */
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from '../core/client/seam.js';
import {TmError} from '../core/errors.js';
import type {Methods, TaskStatus} from '../core/ipc/methods.js';
import {every, type Clock} from './clock.js';

export class ClusterClient implements TmClient {
	readonly #inner: TmClient;
	readonly #clock: Clock;
	readonly #everyMs: number;

	constructor(inner: TmClient, clock: Clock, everyMs: number) {
		this.#inner = inner;
		this.#clock = clock;
		this.#everyMs = everyMs;
	}

	get target(): string {
		return `${this.#inner.target} (cluster)`;
	}

	get server(): Methods['hello']['result'] {
		return this.#inner.server;
	}

	get closed(): boolean {
		return this.#inner.closed;
	}

	call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']> {
		return this.#inner.call(method, params, options);
	}

	async subscribe(sink: FeedSink): Promise<Subscription> {
		const read = async (): Promise<{status: Methods['status']['result']; tasks: TaskStatus[]}> => {
			const [status, listed] = await Promise.all([this.#inner.call('status', {}), this.#inner.call('tasks', {cluster: true})]);
			return {status, tasks: listed.tasks};
		};

		const first = await read();
		sink.snapshot({daemon: first.status.daemon, tasks: first.tasks, host: first.status.host ?? null, lastSeq: 0});
		let known = new Set(first.tasks.map(task => task.id));
		let ended: () => void = () => {};
		const over = new Promise<void>(resolve => {
			ended = resolve;
		});
		let busy = false;
		const timer = every(this.#clock, this.#everyMs, () => {
			if (busy || this.#inner.closed) {
				return;
			}

			busy = true;
			read()
				.then(({status, tasks}) => {
					const now = new Set(tasks.map(task => task.id));
					sink.tasks({tasks, removed: [...known].filter(id => !now.has(id)), host: status.host ?? null, at: new Date(this.#clock.now()).toISOString()});
					known = now;
				})
				// PostgreSQL or the daemon away: the list stays as it was; the connection's own state says the rest.
				.catch(() => {})
				.finally(() => {
					busy = false;
				});
		});
		const off = this.#inner.onClose(() => {
			timer.cancel();
			ended();
		});
		return {
			close: async () => {
				timer.cancel();
				off();
				ended();
			},
			ended: over,
		};
	}

	async followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		try {
			return await this.#inner.followLogs(params, sink);
		} catch (error) {
			if (!(error instanceof TmError) || error.code !== 'E_CLUSTER') {
				throw error;
			}

			// Run by another member: its shipped tail, once (following would need a stream across members).
			const {lines} = await this.#inner.call('logs', {name: params.name, lines: params.lines ?? 500, stream: params.stream ?? 'both'});
			sink.tail(lines, false, null);
			return {close: () => Promise.resolve(), ended: Promise.resolve()};
		}
	}

	onClose(listener: (error: TmError | null) => void): () => void {
		return this.#inner.onClose(listener);
	}

	close(): Promise<void> {
		return this.#inner.close();
	}
}
