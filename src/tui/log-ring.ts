/**
 * The selected task's log lines, kept outside React: a fixed ring addressed by absolute
 * index (the first line ever pushed is 0, indexes only grow), so a scroll position or a
 * search hit survives lines falling off the front.
 *
 * The texts are kept as UTF-8 in pages of bytes outside the JS heap, and read back as strings
 * only for the rows on screen (or a search): at 5,000 lines a second every line kept outlives
 * the young generation, and strings moved into the old one make its collections, which also
 * walk every task document, come far more often.
 */

export type LogEntry = {stream: 'stdout' | 'stderr'; text: string};

/** Bytes per page; a longer line gets a page of its own. */
const pageBytes = 256 * 1024;

export class LogRing {
	readonly capacity: number;
	/** Per slot: the page its text is in, where, how long (bytes), and 1 for stderr. */
	readonly #pageOf: Int32Array;
	readonly #offsetOf: Int32Array;
	readonly #lengthOf: Int32Array;
	readonly #stderr: Uint8Array;
	/** Pages by number, the oldest first; a page goes once no kept line is in it. */
	readonly #pages = new Map<number, Buffer>();
	#page = -1;
	#fill = 0;
	/** One emptied page, kept for the next. */
	#spare: Buffer | null = null;
	#end = 0;
	/** Lines before this index were cleared. */
	#clearedBefore = 0;

	constructor(capacity = 5000) {
		this.capacity = Math.max(1, capacity);
		this.#pageOf = new Int32Array(this.capacity);
		this.#offsetOf = new Int32Array(this.capacity);
		this.#lengthOf = new Int32Array(this.capacity);
		this.#stderr = new Uint8Array(this.capacity);
	}

	/** Absolute index of the oldest line still kept. */
	get first(): number {
		return Math.max(this.#end - this.capacity, this.#clearedBefore);
	}

	/** One past the absolute index of the newest line. */
	get end(): number {
		return this.#end;
	}

	get size(): number {
		return this.#end - this.first;
	}

	/** Bytes of the pages held: bounded by the lines kept, not by the lines ever pushed. */
	get bytesHeld(): number {
		let total = 0;
		for (const page of this.#pages.values()) {
			total += page.length;
		}

		return total;
	}

	/** Keeps the entry's stream and text (not the entry). */
	push(entry: LogEntry): void {
		// UTF-8 takes at most 3 bytes per UTF-16 unit: the text is measured only when that much may not fit.
		let page = this.#pages.get(this.#page);
		if (page === undefined || this.#fill + entry.text.length * 3 > page.length) {
			const bytes = Buffer.byteLength(entry.text);
			if (page === undefined || this.#fill + bytes > page.length) {
				page = this.#newPage(bytes);
			}
		}

		const slot = this.#end % this.capacity;
		this.#pageOf[slot] = this.#page;
		this.#offsetOf[slot] = this.#fill;
		const written = page.write(entry.text, this.#fill);
		this.#lengthOf[slot] = written;
		this.#stderr[slot] = entry.stream === 'stderr' ? 1 : 0;
		this.#fill += written;
		this.#end++;
		this.#dropOldPages();
	}

	/** The line at absolute index `index`, or undefined when it is not kept. */
	at(index: number): LogEntry | undefined {
		const text = this.textAt(index);
		return text === undefined ? undefined : {stream: this.#stderr[index % this.capacity] === 1 ? 'stderr' : 'stdout', text};
	}

	/** The text of the line at `index`, or undefined when it is not kept. */
	textAt(index: number): string | undefined {
		if (index < this.first || index >= this.#end) {
			return undefined;
		}

		const slot = index % this.capacity;
		const offset = this.#offsetOf[slot] ?? 0;
		return this.#pages.get(this.#pageOf[slot] ?? -1)?.toString('utf8', offset, offset + (this.#lengthOf[slot] ?? 0));
	}

	/** Forgets every line; indexes keep growing from where they were. */
	clear(): void {
		this.#pages.clear();
		this.#fill = 0;
		this.#clearedBefore = this.#end;
	}

	#newPage(bytes: number): Buffer {
		const spare = this.#spare;
		this.#spare = null;
		const page = spare !== null && bytes <= spare.length ? spare : Buffer.allocUnsafeSlow(Math.max(pageBytes, bytes));
		this.#page++;
		this.#fill = 0;
		this.#pages.set(this.#page, page);
		return page;
	}

	/** Pages older than the oldest kept line's go (one is kept aside for reuse). */
	#dropOldPages(): void {
		const oldest = this.#pageOf[this.first % this.capacity] ?? this.#page;
		for (const [number, page] of this.#pages) {
			if (number >= oldest) {
				return;
			}

			this.#pages.delete(number);
			if (page.length === pageBytes) {
				this.#spare = page;
			}
		}
	}

	/**
	 * The nearest line matching `query` (case-insensitive substring) strictly before `from`
	 * (direction -1, towards older lines) or strictly after it (+1), or null.
	 */
	find(query: string, from: number, direction: -1 | 1): number | null {
		if (query === '') {
			return null;
		}

		const needle = query.toLowerCase();
		const lowest = this.first;
		for (let i = from + direction; i >= lowest && i < this.#end; i += direction) {
			const text = this.textAt(i);
			if (text?.toLowerCase().includes(needle)) {
				return i;
			}
		}

		return null;
	}
}

/** One screen row of the log pane. */
export type LogRow = {index: number; stream: 'stdout' | 'stderr'; text: string; continued: boolean};

/**
 * The rows a pane of `height` rows and `width` columns shows when its last line is `end - 1`:
 * one row per line, or with `wrap` as many as each line needs (cut in `width` pieces), the
 * newest at the bottom.
 */
export function logWindow(
	ring: LogRing,
	end: number,
	height: number,
	width: number,
	wrap: boolean,
	clean: (text: string, max: number) => string,
): LogRow[] {
	const rows: LogRow[] = [];
	const lowest = ring.first;
	const w = Math.max(1, width);
	for (let i = Math.min(end, ring.end) - 1; i >= lowest && rows.length < height; i--) {
		const entry = ring.at(i);
		if (!entry) {
			break;
		}

		if (!wrap) {
			rows.push({index: i, stream: entry.stream, text: clean(entry.text, w), continued: false});
			continue;
		}

		// Enough of the line for every row the pane has.
		const text = clean(entry.text, w * height);
		const pieces: string[] = [];
		for (let at = 0; at < text.length || pieces.length === 0; at += w) {
			pieces.push(text.slice(at, at + w));
		}

		for (let p = pieces.length - 1; p >= 0 && rows.length < height; p--) {
			rows.push({index: i, stream: entry.stream, text: pieces[p]!, continued: p > 0});
		}
	}

	return rows.reverse();
}
