/**
 * A task's output pipe read by tm's addon on the daemon's event loop (native/pipe-reader.c): each
 * read takes what the pipe holds (up to 1 MiB) into one buffer every pipe shares, and hands it on
 * before the next read. net.Socket, the other way to read a pipe, reads 64 KiB at a time into a
 * new Buffer and pushes it through a stream: most of the daemon's time when a task writes fast,
 * and a few KiB of objects per pipe, three pipes per task (issue 22).
 */
import {closeSync} from 'node:fs';
import type {Readable} from 'node:stream';
import {tmAddon} from '../native-addon.js';

/** A child's output, however it is read: `read` once; `destroy` stops it early (no more calls then). */
export type OutputPipe = {
	/** `onData` gets each chunk, to use before it returns (the bytes may be reused after); `onClose` once at the end. */
	read(onData: (chunk: Buffer) => void, onClose: () => void): void;
	destroy(): void;
	/** Gives the pipe `widePipeBytes` of room, once it was seen full (when the system allows: past the user's pipe-user-pages-soft an unprivileged daemon keeps 64 KiB). */
	widen(): void;
};

/** The most one read takes, and what a pipe seen full is widened to. */
export const widePipeBytes = 1024 * 1024;

/**
 * How long a pipe whose writer is fast (a read of 16 KiB or more emptied it) is left to fill
 * before the next read: at 200 MB/s, 400 KB, within a widened pipe, so the writer does not wait.
 * A writer of a few lines at a time is read as soon as it writes.
 */
export const busyPauseMs = 2;

let shared: Buffer | null = null;

/** A pipe's read end (a descriptor the caller hands over: closed at its end, or by `destroy`). */
export class PipeReader implements OutputPipe {
	readonly #fd: number;
	#handle: unknown = null;
	#done = false;
	#widened = false;

	readonly #pauseMs: number;

	/** `pauseMs`: how long a fast writer's pipe is left to fill (tests give a longer one). */
	constructor(fd: number, pauseMs = busyPauseMs) {
		this.#fd = fd;
		this.#pauseMs = pauseMs;
	}

	read(onData: (chunk: Buffer) => void, onClose: () => void): void {
		const addon = tmAddon();
		if (addon === null || this.#done || this.#handle !== null) {
			throw new Error('a pipe is read once, through tm\'s addon');
		}

		shared ??= Buffer.allocUnsafe(widePipeBytes);
		const buffer = shared;
		this.#handle = addon.readPipe(this.#fd, buffer, n => {
			if (n > 0) {
				onData(buffer.subarray(0, n));
				return;
			}

			// The end, or a failed read (EIO): the addon has let the pipe go either way.
			this.#done = true;
			onClose();
		}, this.#pauseMs);
	}

	destroy(): void {
		if (this.#done) {
			return;
		}

		this.#done = true;
		const addon = tmAddon();
		if (this.#handle === null) {
			closeQuietly(this.#fd);
		} else {
			addon?.closePipe(this.#handle);
		}
	}

	widen(): void {
		if (!this.#widened && !this.#done) {
			this.#widened = true;
			tmAddon()?.setPipeSize(this.#fd, widePipeBytes);
		}
	}
}

function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// Already closed: nothing to let go.
	}
}

/** A node:child_process pipe as an OutputPipe (starts without the addon); its room stays as it is. */
export function streamPipe(stream: Readable | null | undefined): OutputPipe | null {
	if (stream === null || stream === undefined) {
		return null;
	}

	return {
		read(onData, onClose) {
			stream.on('data', onData);
			stream.on('error', () => {});
			stream.on('close', onClose);
		},
		destroy() {
			stream.destroy();
		},
		widen() {},
	};
}
