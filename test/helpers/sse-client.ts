/**
 * A small Server-Sent Events client for tests: opens a stream with node:http, parses frames as
 * they arrive (per the EventSource rules: `id`, `event`, `data`, comments), and waits for them.
 */
import {request, type IncomingHttpHeaders} from 'node:http';
import {waitFor} from './wait.js';

export type Frame = {id: string | null; event: string; data: string};

export class SseClient {
	readonly status: number;
	readonly headers: IncomingHttpHeaders;
	readonly frames: Frame[] = [];
	readonly comments: string[] = [];
	retry: number | null = null;
	ended = false;
	#buffer = '';
	readonly #close: () => void;

	private constructor(status: number, headers: IncomingHttpHeaders, close: () => void) {
		this.status = status;
		this.headers = headers;
		this.#close = close;
	}

	/** Connects and resolves once the response headers are in. */
	static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
		return new Promise((resolve, reject) => {
			const req = request(url, {headers: {Accept: 'text/event-stream', ...headers}}, response => {
				const client = new SseClient(response.statusCode ?? 0, response.headers, () => req.destroy());
				response.setEncoding('utf8');
				response.on('data', (chunk: string) => client.#take(chunk));
				response.on('end', () => (client.ended = true));
				response.on('close', () => (client.ended = true));
				resolve(client);
			});
			req.on('error', reject);
			req.end();
		});
	}

	/** Frames carrying an `id` (the events), as parsed JSON. */
	events<T = {seq: number}>(): T[] {
		return this.frames.filter(f => f.event === 'message').map(f => JSON.parse(f.data) as T);
	}

	named<T = unknown>(event: string): T[] {
		return this.frames.filter(f => f.event === event).map(f => JSON.parse(f.data) as T);
	}

	async waitFrames(accept: (frames: Frame[]) => boolean, what: string, timeout = 10_000): Promise<Frame[]> {
		return waitFor(() => this.frames, accept, {what, timeout});
	}

	close(): void {
		this.#close();
	}

	#take(chunk: string): void {
		this.#buffer += chunk;
		for (let end = this.#buffer.indexOf('\n\n'); end >= 0; end = this.#buffer.indexOf('\n\n')) {
			const block = this.#buffer.slice(0, end);
			this.#buffer = this.#buffer.slice(end + 2);
			let id: string | null = null;
			let event = 'message';
			const data: string[] = [];
			for (const line of block.split('\n')) {
				if (line.startsWith(':')) {
					this.comments.push(line.slice(1).trim());
					continue;
				}

				const colon = line.indexOf(':');
				const field = colon < 0 ? line : line.slice(0, colon);
				const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
				if (field === 'id') id = value;
				else if (field === 'event') event = value;
				else if (field === 'data') data.push(value);
				else if (field === 'retry') this.retry = Number(value);
			}

			if (data.length > 0) {
				this.frames.push({id, event, data: data.join('\n')});
			}
		}
	}
}
