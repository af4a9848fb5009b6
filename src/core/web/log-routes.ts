/**
 * The log views: a task's lines as JSON (`/api/logs/NAME`), as SSE resumable by line seq
 * (`/api/logs/NAME/stream`) and as text (`curl /logs/NAME`, `?follow=1` like `tail -f`); and the
 * daemon log (`/logs`, `/api/daemon-log`): the JSON lines of `logfile`, else the events this
 * daemon kept. Task lines come through the client seam (`logs`, `followLogs`), as a socket
 * client gets them; the daemon log's live lines are the feed's events.
 */
import {TmError} from '../errors.js';
import type {TaskEventRecord} from '../engine.js';
import {eventJsonLine} from '../event-log.js';
import type {Feed} from '../feed/feed.js';
import type {EventDoc, LogLineDoc} from '../ipc/methods.js';
import type {TmClient} from '../client/seam.js';
import {tailLines} from './file-tail.js';
import {follows, linesParam, sendJson, sendText, streamParam, type Exchange} from './http.js';
import {lastEventId} from './sse.js';
import type {Streams} from './streams.js';

export type LogRouteDeps = {
	client: TmClient;
	feed: Feed;
	streams: Streams;
	/** The daemon log (absolute), or null when `logfile` is not set. */
	logfile: string | null;
};

const isUnknownTask = (error: unknown): boolean => error instanceof TmError && error.code === 'E_UNKNOWN_TASK';

/** The task a URL names: its id, else a program (or glob) with one task; null when none or several. */
/** The task a name selects: one task, the instances of a program with several, or none. */
type Found = {id: string} | {instances: string[]} | null;

async function findTask(client: TmClient, name: string): Promise<Found> {
	try {
		const {tasks} = await client.call('status', {names: [name]});
		const exact = tasks.find(task => task.id === name) ?? (tasks.length === 1 ? tasks[0] : undefined);
		return exact === undefined ? (tasks.length > 1 ? {instances: tasks.map(task => task.id)} : null) : {id: exact.id};
	} catch (error) {
		if (isUnknownTask(error)) {
			return null;
		}

		throw error;
	}
}

const notOne = (name: string, found: Found): string =>
	found !== null && 'instances' in found
		? `${name} has ${found.instances.length} instances: ${found.instances.map(id => `/logs/${encodeURIComponent(id)}`).join(', ')}`
		: `no such task: ${name}`;

/** The task's id, or null once the answer (no such task, or a program's instances: 300) is sent. */
async function taskIdOr(client: TmClient, name: string, refuse: (status: number, message: string, instances: string[]) => void): Promise<string | null> {
	const found = await findTask(client, name);
	if (found !== null && 'id' in found) {
		return found.id;
	}

	refuse(found === null ? 404 : 300, notOne(name, found), found === null ? [] : found.instances);
	return null;
}

const refuseJson =
	(exchange: Exchange) =>
	(status: number, message: string, instances: string[]): void =>
		sendJson(exchange.response, status, {error: {code: status === 404 ? 'E_UNKNOWN_TASK' : 'E_AMBIGUOUS', message, ...(instances.length > 0 ? {instances} : {})}});

const asText = (lines: LogLineDoc[]): string => lines.map(line => `${line.text}\n`).join('');

export async function taskLogJson({client}: LogRouteDeps, exchange: Exchange, name: string): Promise<void> {
	const id = await taskIdOr(client, name, refuseJson(exchange));
	if (id === null) {
		return;
	}

	const query = exchange.url.searchParams;
	const {lines} = await client.call('logs', {name: id, lines: linesParam(query), stream: streamParam(query)});
	sendJson(exchange.response, 200, {task: id, lines});
}

/** A task's lines as SSE: the tail (or what came after `Last-Event-ID`), then each new line. */
export async function taskLogStream({client, streams}: LogRouteDeps, exchange: Exchange, name: string): Promise<void> {
	const {request, response, url} = exchange;
	const id = await taskIdOr(client, name, refuseJson(exchange));
	if (id === null) {
		return;
	}

	if (!streams.admit(response)) {
		return;
	}

	const stream = streams.sse('task-log', response);
	if (request.method === 'HEAD') {
		stream.close();
		return;
	}

	const last = lastEventId(request, url.searchParams);
	const params = {name: id, lines: linesParam(url.searchParams), stream: streamParam(url.searchParams), ...(last === null ? {} : {after: last})};
	const send = (line: LogLineDoc): void => void stream.send({id: line.seq, data: line});
	try {
		const following = await client.followLogs(params, {
			tail(lines, gap, lastSeq) {
				if (gap && last !== null) {
					stream.send({event: 'reset', data: {why: `log lines after ${last} are no longer kept`, lastSeq}});
				}

				lines.forEach(send);
			},
			line: send,
			// Lines were lost on the way: end the stream; the reader comes back with Last-Event-ID.
			dropped: () => stream.close(),
		});
		stream.onClose(() => void following.close());
	} catch (error) {
		stream.close();
		if (!isUnknownTask(error)) {
			throw error;
		}
	}
}

/** `curl /logs/web`: the lines as text; with `?follow=1`, like `tail -f`. */
export async function taskLogText({client, streams}: LogRouteDeps, {response, url}: Exchange, name: string): Promise<void> {
	const id = await taskIdOr(client, name, (status, message) => sendText(response, status, `${message}\n`));
	if (id === null) {
		return;
	}

	const params = {name: id, lines: linesParam(url.searchParams), stream: streamParam(url.searchParams)};
	if (!follows(url.searchParams)) {
		const {lines} = await client.call('logs', params);
		sendText(response, 200, asText(lines));
		return;
	}

	if (!streams.admit(response)) {
		return;
	}

	const text = streams.text(response, '');
	try {
		const following = await client.followLogs(params, {
			tail: lines => text.write(asText(lines)),
			line: line => text.write(`${line.text}\n`),
			// A text reader cannot resume: ending is the honest way to say lines are missing.
			dropped: () => text.close(),
		});
		text.onClose(() => void following.close());
	} catch (error) {
		text.close();
		if (!isUnknownTask(error)) {
			throw error;
		}
	}
}

/** An event document back to the record `eventJsonLine` formats. */
function fromDoc(doc: EventDoc): TaskEventRecord {
	return {...doc, at: Date.parse(doc.at), type: 'state', from: doc.from as TaskEventRecord['from'], to: doc.to as TaskEventRecord['to']};
}

/** The daemon log's last lines: from `logfile`, else the events this daemon kept. */
async function daemonLogLines({logfile, feed}: LogRouteDeps, n: number): Promise<string[]> {
	return logfile === null ? feed.tail(n).map(event => eventJsonLine(fromDoc(event)).trimEnd()) : tailLines(logfile, n);
}

export async function daemonLogJson(deps: LogRouteDeps, {response, url}: Exchange): Promise<void> {
	const lines = await daemonLogLines(deps, linesParam(url.searchParams));
	const entries = lines.map(line => {
		try {
			return JSON.parse(line) as unknown;
		} catch {
			return {message: line};
		}
	});
	sendJson(response, 200, {file: deps.logfile, lastSeq: deps.feed.lastSeq, lines: entries});
}

/** `curl /logs`: the daemon log as text; with `?follow=1`, each event as it happens. */
export async function daemonLogText(deps: LogRouteDeps, {response, url}: Exchange): Promise<void> {
	const lines = await daemonLogLines(deps, linesParam(url.searchParams));
	const initial = lines.map(line => `${line}\n`).join('');
	if (!follows(url.searchParams)) {
		sendText(response, 200, initial);
		return;
	}

	if (!deps.streams.admit(response)) {
		return;
	}

	const text = deps.streams.text(response, initial);
	const off = deps.feed.on(item => {
		if (item.type === 'event') {
			text.write(eventJsonLine(fromDoc(item.event)));
		}
	});
	text.onClose(off);
}
