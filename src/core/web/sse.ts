/**
 * One Server-Sent Events response: frames (`id:`, `event:`, `data:`), comments, and a cap on
 * what may wait unsent. A client that reads too slowly is cut off rather than buffered without
 * limit; it reconnects with `Last-Event-ID` and resumes where it was.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';

/** Unsent bytes a client may have before it is dropped. */
export const maxBufferedBytes = 1024 * 1024;

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

		if (this.#response.writableLength > maxBufferedBytes) {
			this.#response.destroy();
			this.#end();
			return false;
		}

		this.#response.write(text);
		return true;
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
