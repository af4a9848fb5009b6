/**
 * Every open stream of the web view in one registry, each with its kind: `/events`, a task's log
 * as SSE, or a text follow (`?follow=1`). The registry admits at most {@link maxStreams}, forgets
 * a stream when it closes, and while any is open runs one tick a second on the Clock: SSE
 * clients that stopped reading are dropped, and every 15 s a comment keeps proxies from closing
 * idle connections.
 */
import type {ServerResponse} from 'node:http';
import type {Clock, TimerHandle} from '../clock.js';
import {securityHeaders, sendText} from './http.js';
import {maxBurstBytes, SseStream} from './sse.js';

/** Open event and log streams at most; more are answered 503. */
export const maxStreams = 256;
/** How often the tick runs while a stream is open. */
export const streamTickMs = 1000;
/** A comment on every SSE stream this many ticks apart. */
const keepAliveTicks = 15;

/** An SSE stream (`/events`, a task's log) or a text follow. */
type Open = {kind: 'events' | 'task-log'; stream: SseStream} | {kind: 'text'; stream: TextStream};

/** A plain-text response left open (`curl -N …?follow=1`); cut off when the reader falls too far behind. */
export class TextStream {
	readonly #response: ServerResponse;

	constructor(response: ServerResponse, initial: string) {
		this.#response = response;
		response.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', ...securityHeaders});
		response.write(initial);
	}

	write(text: string): void {
		if (this.#response.writableLength > maxBurstBytes) {
			this.#response.destroy();
			return;
		}

		this.#response.write(text);
	}

	onClose(listener: () => void): void {
		if (this.#response.closed) {
			listener();
		} else {
			this.#response.on('close', listener);
		}
	}

	close(): void {
		this.#response.end();
	}
}

export class Streams {
	readonly #clock: Clock;
	readonly #open = new Set<Open>();
	#tick: TimerHandle | null = null;
	#ticks = 0;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	get size(): number {
		return this.#open.size;
	}

	/** True when one more stream may open; else answers 503 and false. */
	admit(response: ServerResponse): boolean {
		if (this.#open.size >= maxStreams) {
			sendText(response, 503, `too many open streams (${maxStreams}); close some and retry`, {'Retry-After': '5'});
			return false;
		}

		return true;
	}

	/** Starts an SSE response and keeps it until it closes. */
	sse(kind: 'events' | 'task-log', response: ServerResponse): SseStream {
		const stream = new SseStream(response);
		this.#add({kind, stream});
		return stream;
	}

	/** Starts a text response with `initial` and keeps it until it closes. */
	text(response: ServerResponse, initial: string): TextStream {
		const stream = new TextStream(response, initial);
		this.#add({kind: 'text', stream});
		return stream;
	}

	closeAll(): void {
		this.#tick?.cancel();
		this.#tick = null;
		for (const {stream} of [...this.#open]) {
			stream.close();
		}
	}

	#add(open: Open): void {
		this.#open.add(open);
		open.stream.onClose(() => this.#open.delete(open));
		this.#arm();
	}

	#arm(): void {
		if (this.#tick !== null || this.#open.size === 0) {
			return;
		}

		this.#tick = this.#clock.at(this.#clock.now() + streamTickMs, () => {
			this.#tick = null;
			this.#ticks++;
			const keepAlive = this.#ticks % keepAliveTicks === 0;
			for (const open of [...this.#open]) {
				if (open.kind !== 'text' && open.stream.checkBacklog() && keepAlive) {
					open.stream.comment('keep-alive');
				}
			}

			this.#arm();
		});
	}
}
