/**
 * Cuts a byte stream into text lines.
 */

import {StringDecoder} from 'node:string_decoder';

/** Options of {@link LineSplitter}. */
export type LineSplitterOptions = {
	/**
	 * Longest line kept, in UTF-16 code units; characters past it are dropped up to the next
	 * '\n'. Bounds memory when a process writes a very long line (or binary data) without
	 * newlines. Defaults to no limit.
	 */
	maxLength?: number;
};

const CR = 13;
const NL = 10;

/** The line without one trailing '\r', so CRLF output gives the same lines as LF output. */
function stripCr(line: string): string {
	return line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/**
 * Splits chunks of UTF-8 bytes into lines. A multi-byte character split across chunks is
 * decoded whole; a line split across chunks is returned once its '\n' arrives. Invalid UTF-8
 * becomes U+FFFD.
 */
export class LineSplitter {
	readonly #decoder = new StringDecoder('utf8');
	readonly #maxLength: number;
	/** The text after the last '\n' seen, capped at `#maxLength`. */
	#tail = '';
	/** Whether anything has been received since the last complete line (the tail may be ''). */
	#partial = false;

	constructor(options: LineSplitterOptions = {}) {
		const max = options.maxLength ?? Number.POSITIVE_INFINITY;
		if (!(max >= 1)) {
			throw new RangeError(`maxLength must be at least 1, got ${max}`);
		}

		this.#maxLength = max;
	}

	/** The complete lines `chunk` ends, without '\n' or a trailing '\r'; keeps the partial tail. */
	push(chunk: Buffer): string[] {
		const text = this.#decoder.write(chunk);
		if (text.length === 0) {
			if (chunk.length > 0) {
				this.#partial = true;
			}

			return [];
		}

		const max = this.#maxLength;
		let nl = text.indexOf('\n');
		if (nl === -1) {
			this.#partial = true;
			const room = max - this.#tail.length;
			if (room > 0) {
				this.#tail += text.length > room ? text.slice(0, room) : text;
			}

			return [];
		}

		const lines: string[] = [];
		const room = max - this.#tail.length;
		const head = nl > room ? text.slice(0, Math.max(room, 0)) : text.slice(0, nl);
		lines.push(stripCr(this.#tail.length === 0 ? head : this.#tail + head));
		let start = nl + 1;
		while ((nl = text.indexOf('\n', start)) !== -1) {
			lines.push(stripCr(text.slice(start, nl - start > max ? start + max : nl)));
			start = nl + 1;
		}

		if (start < text.length) {
			this.#tail = text.length - start > max ? text.slice(start, start + max) : text.slice(start);
			this.#partial = true;
		} else {
			this.#tail = '';
			this.#partial = false;
		}

		return lines;
	}

	/**
	 * As `push`, when only the last `keep` lines will be looked at: the lines before them are
	 * counted (`skipped`), not decoded. A '\n' byte is never inside a multi-byte character, so
	 * the text after a skipped line's '\n' decodes on its own. 200 MB of 100-byte lines: 2 million
	 * strings not made.
	 */
	pushKeeping(chunk: Buffer, keep: number): {lines: string[]; skipped: number} {
		let count = 0;
		for (let at = chunk.indexOf(NL); at !== -1; at = chunk.indexOf(NL, at + 1)) {
			count++;
		}

		if (count <= keep) {
			return {lines: this.push(chunk), skipped: 0};
		}

		const skipped = count - keep;
		let cut = -1;
		for (let n = 0; n < skipped; n++) {
			cut = chunk.indexOf(NL, cut + 1);
		}

		// The skipped lines took the tail and any character left half-decoded with them.
		this.#decoder.end();
		this.#tail = '';
		this.#partial = false;
		return {lines: this.push(chunk.subarray(cut + 1)), skipped};
	}

	/**
	 * Takes `chunk` when none of the `lines` lines it ends will be looked at (`lines` is its count
	 * of '\n', known to the caller): only the text after its last '\n' is decoded, as the start of
	 * the next line. See `pushKeeping`.
	 */
	skipLines(chunk: Buffer, lines: number): void {
		if (lines === 0) {
			this.push(chunk);
			return;
		}

		this.#decoder.end();
		this.#tail = '';
		this.#partial = false;
		this.push(chunk.subarray(chunk.lastIndexOf(NL) + 1));
	}

	/**
	 * The partial last line (without a trailing '\r'), or null when the input ended with '\n'.
	 * Resets the splitter, so it can take a new stream.
	 */
	flush(): string | null {
		const rest = this.#decoder.end();
		const partial = this.#partial || rest.length > 0;
		let line = this.#tail;
		if (rest.length > 0 && line.length < this.#maxLength) {
			line = (line + rest).slice(0, this.#maxLength);
		}

		this.#tail = '';
		this.#partial = false;
		return partial ? stripCr(line) : null;
	}
}
