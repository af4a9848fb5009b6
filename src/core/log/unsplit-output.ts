/**
 * A task's recent output kept as the bytes it came in, split into lines only when someone looks
 * (issue 22): 200 MB of 100-byte lines that nobody reads make 2 million strings otherwise.
 */

import {tmAddon} from '../native-addon.js';
import type {LineRing, LogStream} from './line-ring.js';
import type {LineSplitter} from './line-splitter.js';

const NL = 10;

/** Bytes held unsplit at most: past it they are split at once (output without '\n' stays bounded). */
export const MAX_UNSPLIT_BYTES = 1024 * 1024;

/** The '\n' bytes in `bytes`, in JS: a call per line (the addon's loop is 10× faster). */
export function countLinesInJs(bytes: Buffer): number {
	let count = 0;
	for (let at = bytes.indexOf(NL); at !== -1; at = bytes.indexOf(NL, at + 1)) {
		count++;
	}

	return count;
}

/** The '\n' bytes in `bytes`. */
export const countLines: (bytes: Buffer) => number = tmAddon()?.countLines ?? countLinesInJs;

/** Where the last `count` complete lines of `bytes` start (it ends more than `count` lines). */
function startOfLastLines(bytes: Buffer, count: number): number {
	let at = bytes.lastIndexOf(NL);
	for (let found = 0; found < count; found++) {
		at = bytes.lastIndexOf(NL, at - 1);
	}

	return at + 1;
}

type Chunk = {stream: LogStream; at: number; from: number; to: number; lines: number};

/** A store that held more than this is let go once split (an idle task keeps little). */
const KEPT_STORE_BYTES = 256 * 1024;

/**
 * Chunks not yet split, oldest first, in front of a ring and one splitter per stream. Their bytes
 * are copied into one store per task, so the reader's buffers die young (held, 200 MB of them
 * would pass through the old generation). A chunk whose lines can no longer be among the ring's
 * last `capacity` goes through its splitter counting them (only its unfinished last line is
 * decoded, as the next chunk ends it); `settle()` splits the rest into the ring with the times
 * they arrived at, as an eager split would have.
 */
export class UnsplitOutput {
	readonly #ring: LineRing;
	readonly #splitters: Record<LogStream, LineSplitter>;
	readonly #chunks: Chunk[] = [];
	#store: Buffer = Buffer.alloc(0);
	/** The held bytes are `#store[#start, #end)`. */
	#start = 0;
	#end = 0;
	/** '\n's in `#chunks`: lines that have seqs already (see `lastSeq`). */
	#lines = 0;

	constructor(ring: LineRing, splitters: Record<LogStream, LineSplitter>) {
		this.#ring = ring;
		this.#splitters = splitters;
	}

	/** The seq of the last complete line, held here or in the ring. */
	get lastSeq(): number {
		return this.#ring.lastSeq + this.#lines;
	}

	/** Takes a chunk that arrived at `at` (copied: the caller may reuse it). */
	add(stream: LogStream, at: number, chunk: Buffer): void {
		let bytes = chunk;
		let lines = countLines(bytes);
		const capacity = this.#ring.capacity;
		if (lines > capacity) {
			// Its own last `capacity` lines fill the ring: everything before them is counted, not copied.
			while (this.#chunks[0] !== undefined) {
				this.#drop(this.#chunks[0]);
			}

			const cut = startOfLastLines(bytes, capacity);
			this.#splitters[stream].skipLines(bytes.subarray(0, cut), lines - capacity);
			this.#ring.skip(lines - capacity);
			bytes = bytes.subarray(cut);
			lines = capacity;
		}

		this.#room(bytes.length);
		bytes.copy(this.#store, this.#end);
		this.#chunks.push({stream, at, from: this.#end, to: this.#end + bytes.length, lines});
		this.#end += bytes.length;
		this.#lines += lines;
		// The oldest chunk goes once the newer ones end enough lines to fill the ring.
		for (let oldest = this.#chunks[0]; oldest !== undefined && this.#lines - oldest.lines >= capacity; oldest = this.#chunks[0]) {
			this.#drop(oldest);
		}

		if (this.#end - this.#start > MAX_UNSPLIT_BYTES) {
			this.settle();
		}
	}

	/** Splits every held chunk into the ring, oldest first; afterwards nothing is held. */
	settle(): void {
		const capacity = this.#ring.capacity;
		for (const chunk of this.#chunks.splice(0)) {
			// A chunk that alone ends more lines than the ring holds decodes only its last ones.
			const kept = this.#splitters[chunk.stream].pushKeeping(this.#store.subarray(chunk.from, chunk.to), capacity);
			if (kept.skipped > 0) {
				this.#ring.skip(kept.skipped);
			}

			for (const text of kept.lines) {
				this.#ring.push({at: chunk.at, stream: chunk.stream, text});
			}
		}

		this.#lines = 0;
		this.#start = 0;
		this.#end = 0;
		if (this.#store.length > KEPT_STORE_BYTES) {
			this.#store = Buffer.alloc(0);
		}
	}

	/** Counts the oldest chunk's lines as gone by; its unfinished line stays in its splitter. */
	#drop(chunk: Chunk): void {
		this.#chunks.shift();
		this.#lines -= chunk.lines;
		this.#splitters[chunk.stream].skipLines(this.#store.subarray(chunk.from, chunk.to), chunk.lines);
		this.#ring.skip(chunk.lines);
		this.#start = chunk.to;
		if (this.#chunks.length === 0) {
			this.#start = 0;
			this.#end = 0;
		}
	}

	/** Room for `length` more bytes at `#end`: the held bytes moved to the front, or a larger store. */
	#room(length: number): void {
		if (this.#end + length <= this.#store.length) {
			return;
		}

		const held = this.#end - this.#start;
		const target = this.#store.length >= 2 * (held + length) ? this.#store : Buffer.allocUnsafe(Math.max(4096, 2 * (held + length)));
		this.#store.copy(target, 0, this.#start, this.#end);
		for (const chunk of this.#chunks) {
			chunk.from -= this.#start;
			chunk.to -= this.#start;
		}

		this.#store = target;
		this.#start = 0;
		this.#end = held;
	}
}
