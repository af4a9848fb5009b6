/**
 * `/events`: the read model as Server-Sent Events. Every event is `id: <seq>` and its document
 * (which carries the task's whole document, so a reader paints from it alone). With
 * `Last-Event-ID` (or `?lastEventId=`), what came after it first; when that is not possible, an
 * `event: reset` saying why. With `?snapshot=1`, an `event: snapshot` (the status document, its
 * `lastSeq` and the daemon's `now`) starts every connection instead of a replay; with
 * `?tasks=1`, `event: tasks` carries the documents that changed without an event (heartbeat,
 * progress, cpu…) and the tasks that left, once a second. `event: daemon` carries the daemon's
 * document when its health changes (a full disk began or ended).
 */
import type {Clock} from '../clock.js';
import type {Feed, FeedItem} from '../feed/feed.js';
import {flag, type Exchange} from './http.js';
import {lastEventId, type SseStream} from './sse.js';
import type {Streams} from './streams.js';

export type EventStreamDeps = {feed: Feed; streams: Streams; clock: Clock};

export function eventStream({feed, streams, clock}: EventStreamDeps, {request, response, url}: Exchange): void {
	if (!streams.admit(response)) {
		return;
	}

	const stream = streams.sse('events', response);
	if (request.method === 'HEAD') {
		stream.close();
		return;
	}

	const query = url.searchParams;
	const last = lastEventId(request, query);
	// The start and the listener in this one synchronous turn: no gap and no duplicate.
	if (flag(query, 'snapshot')) {
		const snapshot = feed.snapshot();
		stream.send({id: snapshot.lastSeq, event: 'snapshot', data: {...snapshot, now: new Date(clock.now()).toISOString()}});
	} else if (last !== null) {
		replay(feed, stream, last);
	}

	const tasks = flag(query, 'tasks');
	const off = feed.on((item: FeedItem) => {
		if (item.type === 'event') {
			stream.send({id: item.event.seq, data: item.event});
		} else if (item.type === 'daemon') {
			stream.send({event: 'daemon', data: item.daemon});
		} else if (tasks) {
			stream.send({event: 'tasks', data: item.update});
		}
	});
	stream.onClose(off);
}

function replay(feed: Feed, stream: SseStream, last: number): void {
	const missed = feed.since(last);
	if (!missed.ok) {
		stream.send({event: 'reset', data: {why: missed.why, lastSeq: feed.lastSeq}});
		return;
	}

	for (const event of missed.events) {
		stream.send({id: event.seq, data: event});
	}
}
