/**
 * One Server-Sent Events response: frames (`id:`, `event:`, `data:`), comments, and caps on
 * what may wait unsent. A client that reads too slowly is cut off rather than buffered without
 * limit; it reconnects with `Last-Event-ID` and resumes where it was. A burst (a `tm stop all`
 * of thousands of tasks is published in one turn) may queue up to {@link maxBurstBytes}; a
 * backlog above {@link maxBacklogBytes} that does not shrink between two checks is a client
 * that does not read.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';

/** Unsent bytes a client may have at any moment. */
export const maxBurstBytes = 4 * 1024 * 1024;
/** Unsent bytes a client may keep from one check to the next without reading any. */
export const maxBacklogBytes = 1024 * 1024;

/** How long a browser waits before reconnecting, told at the start of the stream. */
export const retryMs = 2000;

export type SseFrame = {id?: number; event?: string; data: unknown};

/** `Last-Event-ID` (or `?lastEventId=`), as a seq, or null when absent or not a number. */
export function lastEventId(request: IncomingMessage, query: URLSearchParams): number | null {
	const raw = request.headers['last-event-id'] ?? query.get('lastEventId') ?? null;
	const text = Array.isArray(raw) ? raw[0] : raw;
	return text !== null && text !== undefined && /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null;
}

export class SseStream {
	readonly #response: ServerResponse;
	readonly #closers = new Set<() => void>();
	#closed = false;
	#lastBacklog = 0;

	constructor(response: ServerResponse) {
		this.#response = response;
		response.writeHead(200, {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-store',
			Connection: 'keep-alive',
			'X-Accel-Buffering': 'no',
		});
		response.on('close', () => this.#end());
		response.write(`retry: ${retryMs}\n\n`);
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Writes one event; false when the stream is closed or was just dropped for being slow. */
	send({id, event, data}: SseFrame): boolean {
		// JSON has no raw line breaks, so the data is always one `data:` line.
		const head = `${id === undefined ? '' : `id: ${id}\n`}${event === undefined ? '' : `event: ${event}\n`}`;
		return this.#write(`${head}data: ${JSON.stringify(data)}\n\n`);
	}

	/** A comment line: keeps proxies and the connection from timing out. */
	comment(text: string): boolean {
		return this.#write(`: ${text.replaceAll(/[\r\n]/g, ' ')}\n\n`);
	}

	/**
	 * Called on a timer (every second): drops the client when its backlog is above
	 * {@link maxBacklogBytes} and has not shrunk since the last check. False when dropped or closed.
	 */
	checkBacklog(): boolean {
		const backlog = this.#response.writableLength;
		const stuck = backlog > maxBacklogBytes && this.#lastBacklog > maxBacklogBytes && backlog >= this.#lastBacklog;
		this.#lastBacklog = backlog;
		if (stuck) {
			this.#drop();
		}

		return !this.#closed;
	}

	onClose(listener: () => void): void {
		if (this.#closed) {
			listener();
		} else {
			this.#closers.add(listener);
		}
	}

	close(): void {
		if (!this.#closed) {
			this.#response.end();
			this.#end();
		}
	}

	#write(text: string): boolean {
		if (this.#closed) {
			return false;
		}

		if (this.#response.writableLength > maxBurstBytes) {
			this.#drop();
			return false;
		}

		this.#response.write(text);
		return true;
	}

	#drop(): void {
		this.#response.destroy();
		this.#end();
	}

	#end(): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		for (const listener of this.#closers) {
			try {
				listener();
			} catch {
				// One failing cleanup must not keep the others from running.
			}
		}

		this.#closers.clear();
	}
}
