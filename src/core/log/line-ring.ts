/**
 * The last lines a task printed, kept in memory for `tm logs`, the dashboard and readiness.
 */

/** Which of the child's pipes a line came from. */
export type LogStream = 'stdout' | 'stderr';

/** One line a task printed. */
export type LogLine = {
	/** Sequence number, 1 for a ring's first line, one more for each line after. */
	seq: number;
	/** When the line was complete, from the injected clock (ms since the epoch). */
	at: number;
	stream: LogStream;
	/** The text without '\n' (nor a trailing '\r'); at most {@link MAX_RING_LINE_BYTES} of UTF-8. */
	text: string;
};

/** Longest line the ring keeps, in UTF-8 bytes, marker included; longer lines are cut. */
export const MAX_RING_LINE_BYTES = 16 * 1024;

/** Appended to a line the ring cut. */
export const TRUNCATION_MARKER = '…';

const MARKER_BYTES = Buffer.byteLength(TRUNCATION_MARKER);

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, marker included, at a character boundary;
 * `text` itself when it fits.
 */
export function truncateLine(text: string, maxBytes: number = MAX_RING_LINE_BYTES): string {
	// A UTF-16 code unit takes 1 to 3 bytes of UTF-8 (a surrogate pair takes 4 for 2 units).
	if (text.length * 3 <= maxBytes) {
		return text;
	}

	if (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes) {
		return text;
	}

	// Encoding only a prefix is enough: at most maxBytes characters can fit.
	const bytes = Buffer.from(text.length > maxBytes ? text.slice(0, maxBytes) : text);
	let end = Math.max(maxBytes - MARKER_BYTES, 0);
	// Back up over continuation bytes (10xxxxxx) so no character is cut in two.
	while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) {
		end--;
	}

	return bytes.toString('utf8', 0, end) + TRUNCATION_MARKER;
}

/**
 * A bounded ring of the last lines of a task. The ring numbers lines itself: the
 * sequence only grows, across `clear()` too, so a client that saw line `seq` asks
 * `since(seq)` for what came after.
 */
export class LineRing {
	/** Grown as lines come, up to the capacity (10,000 quiet tasks hold no 1,000-slot arrays: issue 22). */
	#slots: Array<LogLine | undefined> = [];
	readonly #capacity: number;
	/** Index of the oldest line (0 until the ring is full). */
	#start = 0;
	#size = 0;
	#lastSeq = 0;

	/** @param capacity Lines kept, at least 1. */
	constructor(capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) {
			throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
		}

		this.#capacity = capacity;
	}

	/** Lines the ring holds at most. */
	get capacity(): number {
		return this.#capacity;
	}

	/** Lines the ring holds now. */
	get size(): number {
		return this.#size;
	}

	/** The sequence number of the last line pushed, 0 before the first. */
	get lastSeq(): number {
		return this.#lastSeq;
	}

	/**
	 * Adds a line, dropping the oldest when full. The ring assigns `seq` (a `seq` passed in is
	 * ignored) and cuts text longer than {@link MAX_RING_LINE_BYTES}.
	 * @returns The line as stored.
	 */
	push(line: Omit<LogLine, 'seq'>): LogLine {
		const stored: LogLine = {
			seq: ++this.#lastSeq,
			at: line.at,
			stream: line.stream,
			text: truncateLine(line.text),
		};
		const capacity = this.#capacity;
		if (this.#size < capacity) {
			this.#slots[(this.#start + this.#size) % capacity] = stored;
			this.#size++;
		} else {
			this.#slots[this.#start] = stored;
			this.#start = (this.#start + 1) % capacity;
		}

		return stored;
	}

	/**
	 * Counts `n` lines that went by without being kept (no one was listening, and newer ones
	 * follow): their seqs are used, and the ring is emptied, so it holds no older line beside
	 * the gap.
	 */
	skip(n: number): void {
		if (n === 0) {
			return;
		}

		this.#lastSeq += n;
		if (this.#size === 0) {
			return;
		}

		this.#slots = [];
		this.#start = 0;
		this.#size = 0;
	}

	/** The last `n` lines (of `stream` only, when given), oldest first. */
	tail(n: number, stream?: LogStream): LogLine[] {
		const want = Math.min(Math.max(Math.floor(n), 0), this.#size);
		if (want === 0) {
			return [];
		}

		if (stream === undefined) {
			return this.#range(this.#size - want, this.#size);
		}

		const found: LogLine[] = [];
		for (let i = this.#size - 1; i >= 0 && found.length < want; i--) {
			const line = this.#at(i);
			if (line.stream === stream) {
				found.push(line);
			}
		}

		return found.reverse();
	}

	/** The lines held whose `seq` is greater than `seq`, oldest first. */
	since(seq: number): LogLine[] {
		const oldest = this.#lastSeq - this.#size + 1;
		const from = Math.max(Math.floor(seq) + 1, oldest);
		return from > this.#lastSeq ? [] : this.#range(from - oldest, this.#size);
	}

	/** Drops every line; the sequence carries on. */
	clear(): void {
		this.#slots = [];
		this.#start = 0;
		this.#size = 0;
	}

	/** Lines at logical positions [from, to), 0 being the oldest. */
	#range(from: number, to: number): LogLine[] {
		const out = new Array<LogLine>(to - from);
		for (let i = from; i < to; i++) {
			out[i - from] = this.#at(i);
		}

		return out;
	}

	#at(index: number): LogLine {
		const line = this.#slots[(this.#start + index) % this.#capacity];
		if (line === undefined) {
			throw new Error(`line ring slot ${index} is empty`);
		}

		return line;
	}
}
