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

/** The '\n' bytes in `bytes`. */
export const countLines: (bytes: Buffer) => number = tmAddon()?.countLines ?? countLinesInJs;

type Chunk = {stream: LogStream; at: number; bytes: Buffer; lines: number};

/** The '\n' bytes in `bytes`, in JS: a call per line (the addon's loop is 10× faster). */
export function countLinesInJs(bytes: Buffer): number {
	let count = 0;
	for (let at = bytes.indexOf(NL); at !== -1; at = bytes.indexOf(NL, at + 1)) {
		count++;
	}

	return count;
}

/**
 * Chunks not yet split, oldest first, in front of a ring and one splitter per stream. A chunk
 * whose lines can no longer be among the ring's last `capacity` goes through its splitter
 * counting them (only its unfinished last line is decoded, as the next chunk ends it); `settle()`
 * splits the rest into the ring with the times they arrived at, as an eager split would have.
 */
export class UnsplitOutput {
	readonly #ring: LineRing;
	readonly #splitters: Record<LogStream, LineSplitter>;
	readonly #chunks: Chunk[] = [];
	/** '\n's in `#chunks`: lines that have seqs already (see `lastSeq`). */
	#lines = 0;
	#bytes = 0;

	constructor(ring: LineRing, splitters: Record<LogStream, LineSplitter>) {
		this.#ring = ring;
		this.#splitters = splitters;
	}

	/** The seq of the last complete line, held here or in the ring. */
	get lastSeq(): number {
		return this.#ring.lastSeq + this.#lines;
	}

	/** Takes a chunk that arrived at `at`. */
	add(stream: LogStream, at: number, bytes: Buffer): void {
		const lines = countLines(bytes);
		this.#chunks.push({stream, at, bytes, lines});
		this.#lines += lines;
		this.#bytes += bytes.length;
		// The oldest chunk goes once the newer ones end enough lines to fill the ring.
		const capacity = this.#ring.capacity;
		for (let oldest = this.#chunks[0]; oldest !== undefined && this.#lines - oldest.lines >= capacity; oldest = this.#chunks[0]) {
			this.#drop(oldest);
		}

		if (this.#bytes > MAX_UNSPLIT_BYTES) {
			this.settle();
		}
	}

	/** Splits every held chunk into the ring, oldest first; afterwards nothing is held. */
	settle(): void {
		const capacity = this.#ring.capacity;
		for (const chunk of this.#chunks.splice(0)) {
			// A chunk that alone ends more lines than the ring holds decodes only its last ones.
			const kept = this.#splitters[chunk.stream].pushKeeping(chunk.bytes, capacity);
			if (kept.skipped > 0) {
				this.#ring.skip(kept.skipped);
			}

			for (const text of kept.lines) {
				this.#ring.push({at: chunk.at, stream: chunk.stream, text});
			}
		}

		this.#lines = 0;
		this.#bytes = 0;
	}

	/** Counts the oldest chunk's lines as gone by; its unfinished line stays in its splitter. */
	#drop(chunk: Chunk): void {
		this.#chunks.shift();
		this.#lines -= chunk.lines;
		this.#bytes -= chunk.bytes.length;
		this.#splitters[chunk.stream].skipLines(chunk.bytes, chunk.lines);
		this.#ring.skip(chunk.lines);
	}
}
