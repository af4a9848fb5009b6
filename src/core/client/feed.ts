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

/** Subscribes on `transport`; resolves once the first snapshot has gone to `sink`. */
export async function openFeed(transport: FeedTransport, sink: FeedSink): Promise<Subscription> {
	let lastSeq: number | null = null;
	let early: Array<{kind: 'event'; event: EventDoc} | {kind: 'tasks'; update: TasksUpdate}> = [];
	let closed = false;
	let resnapshot: Promise<void> | null = null;
	let end = (): void => {};
	const ended = new Promise<void>(resolve => {
		end = resolve;
	});

	const deliver = (event: EventDoc): void => {
		if (lastSeq !== null && event.seq > lastSeq) {
			lastSeq = event.seq;
			sink.event(event);
		}
	};

	const snapshot = async (): Promise<void> => {
		lastSeq = null;
		early = [];
		const doc = await transport.call('subscribe', {});
		if (closed) {
			return;
		}

		lastSeq = doc.lastSeq;
		sink.snapshot(doc);
		const held = early;
		early = [];
		for (const item of held) {
			if (item.kind === 'event') {
				deliver(item.event);
			} else {
				sink.tasks(item.update);
			}
		}
	};

	const offs = [
		transport.on('event', event => {
			if (closed) {
				return;
			}

			if (lastSeq === null) {
				early.push({kind: 'event', event});
			} else {
				deliver(event);
			}
		}),
		transport.on('tasks', update => {
			if (closed) {
				return;
			}

			if (lastSeq === null) {
				early.push({kind: 'tasks', update});
			} else {
				sink.tasks(update);
			}
		}),
		transport.onClose(() => {
			closed = true;
			end();
		}),
		transport.on('dropped', () => {
			// Something was missed: the whole picture again, once at a time.
			if (!closed && resnapshot === null) {
				resnapshot = snapshot()
					.catch(() => undefined)
					.finally(() => {
						resnapshot = null;
					});
			}
		}),
	];
	try {
		await snapshot();
	} catch (error) {
		for (const off of offs) {
			off();
		}

		throw error;
	}

	return {
		close() {
			closed = true;
			for (const off of offs) {
				off();
			}

			end();
			return Promise.resolve();
		},
		ended,
	};
}
