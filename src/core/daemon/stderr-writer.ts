/**
 * Writing the daemon's stderr so that it never throws and never kills the daemon. When stderr is
 * a file (a background start's `tmd.out`, or any file it was pointed at) it is written here with
 * `writeSync`: what a full disk drops is counted, told to the disk health, and said in one line
 * once there is room. A terminal or a pipe goes through `fallback` (process.stderr, whose
 * asynchronous errors the process ignores: bin/).
 */
import {closeSync, fstatSync, openSync, readSync, writeSync} from 'node:fs';
import {isatty} from 'node:tty';
import type {Clock} from '../clock.js';
import {lossLine, WriteLosses, type CountedFile, type WriteWatch} from '../log/write-losses.js';

const NL = 10;

/** An open descriptor as a file the loss counting can write. */
class Descriptor implements CountedFile {
	readonly path: string;
	readonly #fd: number;
	readonly #named: boolean;
	bytesAsked = 0;
	bytesWritten = 0;
	#atLineEnd = true;

	constructor(fd: number, path: string | null) {
		this.#fd = fd;
		this.#named = path !== null;
		this.path = path ?? `file descriptor ${fd}`;
	}

	/**
	 * Whether the file ends a line: others write to stderr too (a warning Node prints, a crash's
	 * trace), so the file itself is asked when it can be read (only before a line about a loss).
	 */
	get atLineEnd(): boolean {
		if (!this.#named) {
			return this.#atLineEnd;
		}

		let fd: number | null = null;
		try {
			fd = openSync(this.path, 'r');
			const {size} = fstatSync(fd);
			const last = Buffer.alloc(1);
			return size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NL);
		} catch {
			return this.#atLineEnd;
		} finally {
			if (fd !== null) {
				closeSync(fd);
			}
		}
	}

	write(chunk: Buffer): void {
		this.bytesAsked += chunk.length;
		let off = 0;
		while (off < chunk.length) {
			const n = writeSync(this.#fd, chunk, off, chunk.length - off);
			if (n <= 0) {
				throw new Error('the system wrote no bytes');
			}

			off += n;
			this.bytesWritten += n;
			this.#atLineEnd = chunk[off - 1] === NL;
		}
	}
}

/** Whether `fd` is a file or a device other than a terminal (`/dev/full`), written synchronously here. */
function isFileLike(fd: number): boolean {
	try {
		const stat = fstatSync(fd);
		return stat.isFile() || (stat.isCharacterDevice() && !isatty(fd));
	} catch {
		return false;
	}
}

/**
 * A writer of `fd` (2: stderr) that never throws. `path` names the file in what is said about it
 * (`tmd.out`); `fallback` writes anything that is not a file.
 */
export function stderrWriter(fd: number, path: string | null, fallback: (text: string) => void, clock: Clock, watch?: WriteWatch): (text: string) => void {
	if (!isFileLike(fd)) {
		return text => {
			try {
				fallback(text);
			} catch {
				// A closed terminal or pipe: nothing to tell, and no one to tell it to.
			}
		};
	}

	const file = new Descriptor(fd, path);
	const losses = new WriteLosses({watch, notice: loss => lossLine(loss, 'daemon output')});
	return text => {
		losses.write(file, Buffer.from(text), clock.now());
	};
}
