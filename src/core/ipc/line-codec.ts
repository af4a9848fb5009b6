/**
 * Framing of the control socket: one JSON value per line ('\n'), with a bound on line length
 * so a peer that never sends a newline cannot make the reader buffer without limit.
 */
import {StringDecoder} from 'node:string_decoder';

/** The longest line read by default: 1 MiB. */
export const defaultMaxLineBytes = 1024 * 1024;

/**
 * The longest answer a client reads from the daemon: `status` or `tasks` of 100,000 tasks is
 * about 80 MB (64 MiB refused them), a big `logs` answer less.
 */
export const maxAnswerBytes = 256 * 1024 * 1024;

/** One line read: the parsed value, or why it was refused. */
export type DecodedLine = {ok: true; value: unknown} | {ok: false; error: 'parse' | 'too-long'};

const NL = 0x0a;

/** Only JSON whitespace (space, tab, CR, LF), or nothing: such lines are skipped. */
const blank = /^[ \t\r\n]*$/;

/**
 * Splits a byte stream on '\n' and parses each line as JSON. Blank lines are skipped (so a
 * person typing into `nc -U` may press Enter). A line longer than `maxLineBytes` (newline not
 * counted) yields one `too-long` as soon as it passes the limit; its bytes are dropped up to
 * the next '\n', so the decoder never holds more than `maxLineBytes`.
 */
export class LineDecoder {
	readonly #maxLineBytes: number;
	/**
	 * The line being read, decoded piece by piece as its bytes come (a rope of strings: a long
	 * answer is not held as bytes, then as one joined copy of them, then as a string); `#length`
	 * counts its bytes.
	 */
	#text = '';
	readonly #decoder = new StringDecoder('utf8');
	#length = 0;
	/** Inside a line already reported as too long: drop bytes until '\n'. */
	#discarding = false;

	constructor(maxLineBytes: number = defaultMaxLineBytes) {
		if (!(Number.isInteger(maxLineBytes) && maxLineBytes >= 1)) {
			throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
		}

		this.#maxLineBytes = maxLineBytes;
	}

	/** The limit this decoder was built with, in bytes. */
	get maxLineBytes(): number {
		return this.#maxLineBytes;
	}

	/** Bytes held for the line not yet ended (at most `maxLineBytes`). */
	get bufferedBytes(): number {
		return this.#length;
	}

	/** The lines `chunk` completes (and a `too-long` for a line that just passed the limit). */
	push(chunk: Buffer): DecodedLine[] {
		const out: DecodedLine[] = [];
		let start = 0;
		while (start < chunk.length) {
			const nl = chunk.indexOf(NL, start);
			if (nl === -1) {
				this.#take(chunk, start, chunk.length, out);
				break;
			}

			if (this.#length === 0 && !this.#discarding) {
				// The whole line is in this chunk: decoded from it, not copied first.
				if (nl - start > this.#maxLineBytes) {
					out.push({ok: false, error: 'too-long'});
				} else {
					parseLine(chunk.toString('utf8', start, nl), out);
				}
			} else {
				this.#take(chunk, start, nl, out);
				this.#endLine(out);
			}

			start = nl + 1;
		}

		return out;
	}

	/** Drops the line being read, if any. */
	reset(): void {
		this.#clear();
		this.#discarding = false;
	}

	/** Forgets the line: `end()` also drops the decoder's partial character. */
	#clear(): void {
		this.#text = '';
		this.#decoder.end();
		this.#length = 0;
	}

	/** Adds `chunk[start, end)` to the current line, or reports it too long. */
	#take(chunk: Buffer, start: number, end: number, out: DecodedLine[]): void {
		if (this.#discarding || end === start) {
			return;
		}

		if (this.#length + (end - start) > this.#maxLineBytes) {
			this.#clear();
			this.#discarding = true;
			out.push({ok: false, error: 'too-long'});
			return;
		}

		this.#text += this.#decoder.write(chunk.subarray(start, end));
		this.#length += end - start;
	}

	#endLine(out: DecodedLine[]): void {
		if (this.#discarding) {
			this.#discarding = false;
			return;
		}

		const line = this.#text + this.#decoder.end();
		this.#clear();
		parseLine(line, out);
	}
}

function parseLine(text: string, out: DecodedLine[]): void {
	try {
		out.push({ok: true, value: JSON.parse(text)});
	} catch {
		if (!blank.test(text)) {
			out.push({ok: false, error: 'parse'});
		}
	}
}

/**
 * One message as a line: JSON and '\n'. Throws (TypeError, RangeError) when the value cannot be
 * encoded, e.g. a BigInt, a cycle or nesting too deep.
 */
export function encode(message: unknown): string {
	const json = JSON.stringify(message);
	if (json === undefined) {
		throw new TypeError(`cannot encode ${typeof message} as JSON`);
	}

	return `${json}\n`;
}
