/**
 * A client that speaks raw lines to a control socket, to see exactly what the server sends.
 */
import {connect, type Socket} from 'node:net';
import {LineDecoder} from '../../src/core/ipc/line-codec.js';
import {waitFor} from './wait.js';

/** A raw socket; reading starts when `read()` is called, so a test can play a client that does not read. */
export class RawClient {
	readonly socket: Socket;
	readonly messages: unknown[] = [];
	closed = false;
	#read = 0;

	constructor(socket: Socket) {
		this.socket = socket;
		socket.on('error', () => {});
		socket.on('close', () => {
			this.closed = true;
		});
	}

	static open(socketPath: string, {read = true} = {}): Promise<RawClient> {
		return new Promise((resolve, reject) => {
			const socket = connect(socketPath);
			socket.once('connect', () => {
				const client = new RawClient(socket);
				if (read) {
					client.read();
				}

				resolve(client);
			});
			socket.once('error', reject);
		});
	}

	read(): void {
		const decoder = new LineDecoder(64 * 1024 * 1024);
		this.socket.on('data', (chunk: Buffer) => {
			for (const item of decoder.push(chunk)) {
				this.messages.push(item.ok ? item.value : {decodeError: item.error});
			}
		});
	}

	send(data: string | Buffer): void {
		this.socket.write(data);
	}

	async next(): Promise<unknown> {
		await waitFor(
			() => this.messages.length,
			length => length > this.#read,
			{what: `message #${this.#read + 1}`},
		);
		return this.messages[this.#read++];
	}

	/** Waits for the response with this id, skipping everything before it. */
	async answer(id: number | string): Promise<unknown> {
		for (;;) {
			const message = (await this.next()) as {id?: unknown};
			if (message.id === id) {
				return message;
			}
		}
	}
}
