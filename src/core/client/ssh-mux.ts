/**
 * The local end of `tm dial-stdio --mux`: channels over one ssh child, each a byte stream to
 * the remote daemon that an `RpcClient` reads and writes as it would a Unix socket.
 */
import {Duplex} from 'node:stream';
import {TmError} from '../errors.js';
import {controlFrame, dataFrame, LineSplitter, parseFrame, type Frame} from './mux-frames.js';
import type {Greeting} from './mux-frames.js';
import {maxAnswerBytes} from '../ipc/line-codec.js';
import {stopSsh, type Started} from './ssh-process.js';
import {remoteError} from './ssh-errors.js';
import type {SshTarget} from './ssh-url.js';

/** The client's own limit and the frame's header. */
const maxLineBytes = maxAnswerBytes + 64;

/** One channel: what the RpcClient writes goes out framed; what comes for it is pushed. */
class Channel extends Duplex {
	readonly #id: number;
	readonly #send: (data: string | Buffer) => void;
	readonly #lines = new LineSplitter(maxLineBytes);
	/** The remote side closed it, or this side said `!close`: nothing more is said of it. */
	#over = false;

	constructor(id: number, send: (data: string | Buffer) => void) {
		super();
		this.#id = id;
		this.#send = send;
	}

	override _read(): void {}

	override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		try {
			for (const line of this.#lines.push(chunk)) {
				this.#send(dataFrame(this.#id, line));
			}

			callback();
		} catch (error) {
			callback(error as Error);
		}
	}

	override _final(callback: (error?: Error | null) => void): void {
		this.#close();
		callback();
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		this.#close();
		callback(error);
	}

	/** Called by the mux for each frame of this channel. */
	receive(frame: Frame): void {
		if (frame.kind === 'data') {
			this.push(Buffer.concat([frame.payload, Buffer.from('\n')]));
		} else if (frame.kind === 'close') {
			this.#over = true;
			// Once what came before is read: then `close`, as a socket closing would.
			this.once('end', () => this.destroy());
			this.push(null);
		} else if (frame.kind === 'error') {
			this.#over = true;
			this.destroy(new TmError(frame.code === 'E_DAEMON_NOT_RUNNING' ? 'E_DAEMON_NOT_RUNNING' : 'E_PROTOCOL', frame.message));
		}
	}

	#close(): void {
		if (!this.#over) {
			this.#over = true;
			this.#send(controlFrame(this.#id, 'close'));
		}
	}
}

export class SshMux {
	readonly #target: SshTarget;
	readonly #ssh: Started;
	#greeting: Greeting | null = null;
	readonly #channels = new Map<number, Channel>();
	#nextId = 0;
	#ended: TmError | null = null;
	readonly #closeListeners = new Set<(error: TmError | null) => void>();
	#closing = false;

	/** Channels may be opened at once: their frames wait in ssh's stdin until the remote tm reads them. */
	constructor(target: SshTarget, ssh: Started) {
		this.#target = target;
		this.#ssh = ssh;
		const lines = new LineSplitter(maxLineBytes);
		const read = (chunk: Buffer): void => {
			for (const line of lines.push(chunk)) {
				const frame = parseFrame(line);
				if (frame !== null) {
					this.#channels.get(frame.channel)?.receive(frame);
				}
			}
		};

		ssh.greeted.then(
			({greeting, rest}) => {
				this.#greeting = greeting;
				read(rest);
				ssh.child.stdout.on('data', read);
				void ssh.exited.then(({code}) => this.#end(code));
			},
			(error: TmError) => this.#end(null, error),
		);
	}

	/** The remote tm's socket (for messages), once it has said. */
	get socket(): string {
		return this.#greeting?.socket ?? 'its default socket';
	}

	get closed(): boolean {
		return this.#ended !== null || this.#closing;
	}

	/** A new connection to the remote daemon. */
	open(): Duplex {
		if (this.closed) {
			throw this.#ended ?? new TmError('E_DAEMON_NOT_RUNNING', `the ssh connection to ${this.#target.url} is closed`);
		}

		const id = this.#nextId++;
		const channel = new Channel(id, data => {
			if (!this.#ssh.child.stdin.destroyed) {
				this.#ssh.child.stdin.write(data);
			}
		});
		this.#channels.set(id, channel);
		channel.once('close', () => this.#channels.delete(id));
		this.#ssh.child.stdin.write(controlFrame(id, 'open'));
		return channel;
	}

	/** Called once when ssh has ended: null when this side closed it, else why. */
	onClose(listener: (error: TmError | null) => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	/** Ends every channel, then ssh. */
	async close(): Promise<void> {
		this.#closing = true;
		for (const channel of this.#channels.values()) {
			channel.end();
		}

		await stopSsh(this.#ssh);
	}

	/** ssh ended (`code`), or never got to the remote tm (`failure`, which says why). */
	#end(code: number | null, failure?: TmError): void {
		if (this.#ended !== null) {
			return;
		}

		const error = this.#closing
			? null
			: (failure ?? remoteError(this.#target, 'unreachable', `the ssh connection to ${this.#target.url} ended (${code === null ? 'killed' : `exit ${code}`})`));
		this.#ended = error ?? new TmError('E_DAEMON_NOT_RUNNING', `the ssh connection to ${this.#target.url} is closed`);
		for (const channel of this.#channels.values()) {
			channel.destroy(this.#ended);
		}

		this.#channels.clear();
		for (const listener of [...this.#closeListeners]) {
			listener(error);
		}

		this.#closeListeners.clear();
	}
}
