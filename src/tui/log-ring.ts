/**
 * The selected task's log lines, kept outside React: a fixed ring addressed by absolute
 * index (the first line ever pushed is 0, indexes only grow), so a scroll position or a
 * search hit survives lines falling off the front. Kept as a text per slot and a byte for its
 * stream, no object per line: at 5,000 lines a second every line outlives the young
 * generation, and each object kept is one more the old one collects.
 */

export type LogEntry = {stream: 'stdout' | 'stderr'; text: string};

export class LogRing {
	readonly capacity: number;
	readonly #texts: Array<string | undefined>;
	/** 1 for stderr. */
	readonly #stderr: Uint8Array;
	#end = 0;
	/** Lines before this index were cleared. */
	#clearedBefore = 0;

	constructor(capacity = 5000) {
		this.capacity = Math.max(1, capacity);
		this.#texts = new Array<string | undefined>(this.capacity);
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

	/** Keeps the entry's stream and text (not the entry). */
	push(entry: LogEntry): void {
		const slot = this.#end % this.capacity;
		this.#texts[slot] = entry.text;
		this.#stderr[slot] = entry.stream === 'stderr' ? 1 : 0;
		this.#end++;
	}

	/** The line at absolute index `index`, or undefined when it is not kept. */
	at(index: number): LogEntry | undefined {
		const text = this.textAt(index);
		return text === undefined ? undefined : {stream: this.#stderr[index % this.capacity] === 1 ? 'stderr' : 'stdout', text};
	}

	/** The text of the line at `index`, or undefined when it is not kept. */
	textAt(index: number): string | undefined {
		return index >= this.first && index < this.#end ? this.#texts[index % this.capacity] : undefined;
	}

	/** Forgets every line; indexes keep growing from where they were. */
	clear(): void {
		this.#texts.fill(undefined);
		this.#clearedBefore = this.#end;
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
