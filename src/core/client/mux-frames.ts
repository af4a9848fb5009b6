/**
 * The framing of `tm dial-stdio --mux`, written once for both ends: several connections to the
 * remote daemon over one ssh session, so a command (and `tm top`, which follows a log per
 * selected task) pays for one ssh handshake however many connections it opens.
 *
 * The remote end first writes a greeting (one JSON line); then every line is one frame,
 * `<channel> <payload>`: a line of the daemon's protocol (JSON, which never starts with `!`),
 * or a control word: `!open`, `!close`, `!error {"code","message"}`. Channels are numbered by
 * the local end; the remote end opens a socket connection per channel.
 */

/** The framing this build speaks; a remote tm with another refuses nothing, the local end does. */
export const muxVersion = 1;

/** The first line the remote end writes: what it is, so the local end can say what is wrong. */
export type Greeting = {dialStdio: number; version: string; protocol: number; socket: string};

export type Frame =
	| {channel: number; kind: 'data'; payload: Buffer}
	| {channel: number; kind: 'open' | 'close'}
	| {channel: number; kind: 'error'; code: string; message: string};

const space = 0x20;
const bang = 0x21;

/** One frame as a line. `payload`: a line of the protocol, without its newline. */
export function dataFrame(channel: number, payload: Buffer): Buffer {
	return Buffer.concat([Buffer.from(`${channel} `), payload, Buffer.from('\n')]);
}

export function controlFrame(channel: number, word: 'open' | 'close'): string {
	return `${channel} !${word}\n`;
}

export function errorFrame(channel: number, code: string, message: string): string {
	return `${channel} !error ${JSON.stringify({code, message})}\n`;
}

/** A frame line (without its newline) read back; null when it is not one. */
export function parseFrame(line: Buffer): Frame | null {
	const cut = line.indexOf(space);
	const channel = cut > 0 ? Number(line.subarray(0, cut).toString('latin1')) : Number.NaN;
	if (!Number.isSafeInteger(channel) || channel < 0) {
		return null;
	}

	const payload = line.subarray(cut + 1);
	if (payload[0] !== bang) {
		return {channel, kind: 'data', payload};
	}

	const text = payload.toString('utf8');
	if (text === '!open' || text === '!close') {
		return {channel, kind: text === '!open' ? 'open' : 'close'};
	}

	if (text.startsWith('!error ')) {
		try {
			const {code, message} = JSON.parse(text.slice(7)) as {code?: unknown; message?: unknown};
			return {channel, kind: 'error', code: String(code), message: String(message)};
		} catch {
			return {channel, kind: 'error', code: 'E_PROTOCOL', message: text.slice(7)};
		}
	}

	return null;
}

/**
 * Splits a byte stream into lines without parsing them (both ends only relay the protocol's
 * lines). A line longer than `maxBytes` is an error: the peer is not speaking this framing.
 */
export class LineSplitter {
	readonly #maxBytes: number;
	#parts: Buffer[] = [];
	#length = 0;

	constructor(maxBytes: number) {
		this.#maxBytes = maxBytes;
	}

	/** The lines `chunk` completes, without their newlines. Throws RangeError past the limit. */
	push(chunk: Buffer): Buffer[] {
		const lines: Buffer[] = [];
		let start = 0;
		for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
			const piece = chunk.subarray(start, nl);
			lines.push(this.#length === 0 ? piece : Buffer.concat([...this.#parts, piece]));
			this.#parts = [];
			this.#length = 0;
			start = nl + 1;
		}

		if (start < chunk.length) {
			// Copied, so a short tail does not keep the whole chunk alive.
			this.#parts.push(Buffer.from(chunk.subarray(start)));
			this.#length += chunk.length - start;
			if (this.#length > this.#maxBytes) {
				throw new RangeError(`a line longer than ${this.#maxBytes} bytes`);
			}
		}

		return lines;
	}
}
