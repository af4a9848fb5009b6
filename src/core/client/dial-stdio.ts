/**
 * The remote half of `--host ssh://…`: `tm dial-stdio` connects the daemon's Unix socket to its
 * own stdin and stdout, which ssh carries to the client (as `docker system dial-stdio` does).
 * Authentication is ssh's; authorisation is the socket's file permissions, as for a local client.
 *
 * Plain: one connection, bytes both ways (for a person with `ssh host tm dial-stdio`). Mux (what
 * tm's own client asks for): the greeting, then framed channels, one socket connection each
 * (`mux-frames.ts`). Either ends when stdin does: ssh going away leaves nothing behind.
 */
import {connect, type Socket} from 'node:net';
import type {Readable, Writable} from 'node:stream';
import {unreachable} from '../ipc/client.js';
import {protocolVersion} from '../ipc/protocol.js';
import {checkSocketPath} from '../ipc/socket-file.js';
import {maxAnswerBytes} from '../ipc/line-codec.js';
import {controlFrame, dataFrame, errorFrame, LineSplitter, muxVersion, parseFrame, type Frame, type Greeting} from './mux-frames.js';

export type DialStreams = {stdin: Readable; stdout: Writable};

/** The longest protocol line relayed: the client's own limit (a big `logs` answer), and some. */
const maxLineBytes = maxAnswerBytes + 64;

/** Connects to the daemon; rejects with E_DAEMON_NOT_RUNNING (the same words as a local client). */
function open(socketPath: string): Promise<Socket> {
	checkSocketPath(socketPath);
	return new Promise((resolve, reject) => {
		const socket = connect(socketPath);
		socket.once('error', error => reject(unreachable(socketPath, error)));
		socket.once('connect', () => resolve(socket));
	});
}

/** One connection, bytes both ways, until either side ends. */
export async function dialPlain(socketPath: string, {stdin, stdout}: DialStreams): Promise<void> {
	const socket = await open(socketPath);
	stdin.pipe(socket);
	socket.pipe(stdout, {end: false});
	await new Promise<void>(resolve => {
		socket.on('error', () => {});
		socket.once('close', () => resolve());
	});
	stdin.unpipe(socket);
	stdin.pause();
}

type Channel = {socket: Socket; lines: LineSplitter; connected: boolean; failed: boolean};

/** The remote end of the mux: a socket connection per channel, frames both ways. */
class MuxServer {
	readonly #socketPath: string;
	readonly #stdin: Readable;
	readonly #stdout: Writable;
	readonly #channels = new Map<number, Channel>();
	readonly #paused = new Set<Socket>();
	#done = false;

	constructor(socketPath: string, {stdin, stdout}: DialStreams) {
		this.#socketPath = socketPath;
		this.#stdin = stdin;
		this.#stdout = stdout;
		stdout.on('drain', () => {
			for (const socket of this.#paused) {
				socket.resume();
			}

			this.#paused.clear();
		});
	}

	out(data: string | Buffer): void {
		// Once stdin has ended nobody reads: the sockets closing then say nothing.
		if (this.#done) {
			return;
		}

		if (!this.#stdout.write(data)) {
			// ssh reads slower than the daemon writes: hold every socket until it drains.
			for (const {socket} of this.#channels.values()) {
				socket.pause();
				this.#paused.add(socket);
			}
		}
	}

	take(frame: Frame): void {
		const channel = this.#channels.get(frame.channel);
		if (frame.kind === 'open') {
			if (channel === undefined) {
				this.#open(frame.channel);
			}
		} else if (frame.kind === 'data') {
			// net.Socket holds what is written before it connects.
			if (channel !== undefined && !channel.socket.write(Buffer.concat([frame.payload, Buffer.from('\n')]))) {
				this.#stdin.pause();
			}
		} else if (frame.kind === 'close') {
			channel?.socket.end();
		}
	}

	closeAll(): void {
		this.#done = true;
		for (const {socket} of this.#channels.values()) {
			socket.destroy();
		}

		this.#channels.clear();
	}

	#open(id: number): void {
		const socket = connect(this.#socketPath);
		const channel: Channel = {socket, lines: new LineSplitter(maxLineBytes), connected: false, failed: false};
		this.#channels.set(id, channel);
		socket.on('data', (chunk: Buffer) => {
			try {
				for (const line of channel.lines.push(chunk)) {
					this.out(dataFrame(id, line));
				}
			} catch {
				socket.destroy();
			}
		});
		socket.once('connect', () => {
			channel.connected = true;
		});
		socket.on('error', error => {
			// Once connected, an error is just the end of it: `close` says so.
			if (!channel.connected) {
				channel.failed = true;
				const failure = unreachable(this.#socketPath, error);
				this.out(errorFrame(id, failure.code, failure.message));
			}
		});
		socket.on('drain', () => this.#stdin.resume());
		socket.on('close', () => {
			if (this.#channels.get(id) === channel) {
				this.#channels.delete(id);
				if (!channel.failed) {
					this.out(controlFrame(id, 'close'));
				}
			}
		});
	}
}

/** Channels over stdin/stdout until stdin ends. Writes the greeting first. */
export function dialMux(socketPath: string, version: string, streams: DialStreams): Promise<void> {
	const server = new MuxServer(socketPath, streams);
	const greeting: Greeting = {dialStdio: muxVersion, version, protocol: protocolVersion, socket: socketPath};
	server.out(`${JSON.stringify(greeting)}\n`);
	const input = new LineSplitter(maxLineBytes);
	const {stdin} = streams;
	return new Promise(resolve => {
		const finish = (): void => {
			server.closeAll();
			stdin.pause();
			resolve();
		};

		stdin.on('data', (chunk: Buffer) => {
			try {
				for (const line of input.push(chunk)) {
					const frame = parseFrame(line);
					if (frame !== null) {
						server.take(frame);
					}
				}
			} catch {
				finish();
			}
		});
		stdin.once('end', finish);
		stdin.once('error', finish);
	});
}
