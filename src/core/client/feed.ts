/**
 * Snapshot-then-events, written once for every client: events that come before the snapshot's
 * answer wait for it; events it already holds are skipped; a drop (the daemon could not keep up
 * with this reader) asks for a new snapshot. Any JSON-RPC transport (the Unix socket, ssh's
 * stdio) runs it as is.
 */
import type {EventDoc, Notifications, TasksUpdate} from '../ipc/methods.js';
import type {FeedSink, SnapshotDoc, Subscription} from './seam.js';

/** The part of a JSON-RPC connection a feed needs. */
export type FeedTransport = {
	call(method: 'subscribe', params: Record<string, never>): Promise<SnapshotDoc>;
	on<N extends keyof Notifications>(name: N, listener: (params: Notifications[N]) => void): () => void;
	/** Called once when the connection ends. */
	onClose(listener: () => void): () => void;
};

type Held = {kind: 'event'; event: EventDoc} | {kind: 'tasks'; update: TasksUpdate};

/** One subscription's sequencing: what the sink has seen, and what waits for a snapshot. */
class Sequencer {
	readonly #transport: FeedTransport;
	readonly #sink: FeedSink;
	/** The seq the sink is current to; null while a snapshot is on its way. */
	#lastSeq: number | null = null;
	#held: Held[] = [];
	#resnapshot: Promise<void> | null = null;
	closed = false;

	constructor(transport: FeedTransport, sink: FeedSink) {
		this.#transport = transport;
		this.#sink = sink;
	}

	async snapshot(): Promise<void> {
		this.#lastSeq = null;
		this.#held = [];
		const doc = await this.#transport.call('subscribe', {});
		if (this.closed) {
			return;
		}

		this.#lastSeq = doc.lastSeq;
		this.#sink.snapshot(doc);
		const held = this.#held;
		this.#held = [];
		for (const item of held) {
			this.#take(item);
		}
	}

	take(item: Held): void {
		if (this.closed) {
			return;
		}

		if (this.#lastSeq === null) {
			this.#held.push(item);
		} else {
			this.#take(item);
		}
	}

	/** Something was missed: the whole picture again, once at a time. */
	dropped(): void {
		if (!this.closed && this.#resnapshot === null) {
			this.#resnapshot = this.snapshot()
				.catch(() => undefined)
				.finally(() => {
					this.#resnapshot = null;
				});
		}
	}

	#take(item: Held): void {
		if (item.kind === 'tasks') {
			this.#sink.tasks(item.update);
		} else if (this.#lastSeq !== null && item.event.seq > this.#lastSeq) {
			this.#lastSeq = item.event.seq;
			this.#sink.event(item.event);
		}
	}
}

/** Subscribes on `transport`; resolves once the first snapshot has gone to `sink`. */
export async function openFeed(transport: FeedTransport, sink: FeedSink): Promise<Subscription> {
	const sequencer = new Sequencer(transport, sink);
	let end = (): void => {};
	const ended = new Promise<void>(resolve => {
		end = resolve;
	});
	const offs = [
		transport.on('event', event => sequencer.take({kind: 'event', event})),
		transport.on('tasks', update => sequencer.take({kind: 'tasks', update})),
		transport.on('dropped', () => sequencer.dropped()),
		transport.onClose(() => {
			sequencer.closed = true;
			end();
		}),
	];
	const close = (): Promise<void> => {
		sequencer.closed = true;
		for (const off of offs) {
			off();
		}

		end();
		return Promise.resolve();
	};

	try {
		await sequencer.snapshot();
	} catch (error) {
		await close();
		throw error;
	}

	return {close, ended};
}
