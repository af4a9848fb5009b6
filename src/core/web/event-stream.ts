/**
 * `/events`: the read model as Server-Sent Events. Every event is `id: <seq>` and its document
 * (which carries the task's whole document, so a reader paints from it alone). With
 * `Last-Event-ID` (or `?lastEventId=`), what came after it first; when that is not possible, an
 * `event: reset` saying why. With `?snapshot=1`, an `event: snapshot` (the status document, its
 * `lastSeq` and the daemon's `now`) starts every connection instead of a replay; with
 * `?tasks=1`, `event: tasks` carries the documents that changed without an event (heartbeat,
 * progress, cpu…) and the tasks that left, once a second. `event: daemon` carries the daemon's
 * document when its health changes (a full disk began or ended). With `?task=NAME` (repeatable:
 * an id, a program, a job's name or a glob), only what concerns those tasks (seed 001's rooms); a
 * name that means no task is a 404.
 */
import type {Clock} from '../clock.js';
import type {Feed, FeedItem} from '../feed/feed.js';
import type {EventDoc, TaskStatus, TasksUpdate} from '../ipc/methods.js';
import {nameMatcher} from '../task-names.js';
import {flag, sendText, type Exchange} from './http.js';
import {lastEventId, type SseStream} from './sse.js';
import type {Streams} from './streams.js';

export type EventStreamDeps = {feed: Feed; streams: Streams; clock: Clock};

/** What a stream filtered by `?task=` lets through; `seen` keeps the ids it let through, for `removed`. */
class Room {
	readonly #means: Array<(task: {id: string; program: string}) => boolean>;
	readonly #seen = new Set<string>();

	constructor(names: string[]) {
		this.#means = names.map(name => nameMatcher(name));
	}

	has(task: TaskStatus): boolean {
		const inside = this.#means.some(means => means(task));
		if (inside) {
			this.#seen.add(task.id);
		}

		return inside;
	}

	event = (event: EventDoc): boolean => this.has(event.task);

	update(update: TasksUpdate): TasksUpdate | null {
		const tasks = update.tasks.filter(task => this.has(task));
		const removed = update.removed.filter(id => this.#seen.delete(id));
		return tasks.length > 0 || removed.length > 0 ? {...update, tasks, removed} : null;
	}
}

/** The room `?task=` asks for (null: every task), or the name that means none. */
function roomOf(feed: Feed, query: URLSearchParams): {room: Room | null; unknown?: string} {
	const names = query.getAll('task').filter(name => name !== '');
	if (names.length === 0) {
		return {room: null};
	}

	const {tasks} = feed.snapshot();
	const unknown = names.find(name => !tasks.some(nameMatcher(name)));
	return {room: new Room(names), ...(unknown === undefined ? {} : {unknown})};
}

export function eventStream({feed, streams, clock}: EventStreamDeps, {request, response, url}: Exchange): void {
	const {room, unknown} = roomOf(feed, url.searchParams);
	if (unknown !== undefined) {
		sendText(response, 404, `no such task: ${unknown} (/api/status lists them)`);
		return;
	}

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
		const shown = room === null ? snapshot : {...snapshot, tasks: snapshot.tasks.filter(task => room.has(task))};
		stream.send({id: snapshot.lastSeq, event: 'snapshot', data: {...shown, now: new Date(clock.now()).toISOString()}});
	} else if (last !== null) {
		replay(feed, stream, last, room);
	}

	const tasks = flag(query, 'tasks');
	const off = feed.on((item: FeedItem) => {
		if (item.type === 'event') {
			if (room === null || room.event(item.event)) {
				stream.send({id: item.event.seq, data: item.event});
			}
		} else if (item.type === 'daemon') {
			stream.send({event: 'daemon', data: item.daemon});
		} else if (tasks) {
			const update = room === null ? item.update : room.update(item.update);
			if (update !== null) {
				stream.send({event: 'tasks', data: update});
			}
		}
	});
	stream.onClose(off);
}

function replay(feed: Feed, stream: SseStream, last: number, room: Room | null): void {
	const missed = feed.since(last);
	if (!missed.ok) {
		stream.send({event: 'reset', data: {why: missed.why, lastSeq: feed.lastSeq}});
		return;
	}

	for (const event of missed.events.filter(event => room === null || room.event(event))) {
		stream.send({id: event.seq, data: event});
	}
}
