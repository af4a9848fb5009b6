/**
 * One task log file on disk: synchronous appends, optional timestamps, size-based rotation.
 */

import {accessSync, closeSync, constants, fstatSync, ftruncateSync, renameSync, writeSync} from 'node:fs';
import {dirname} from 'node:path';
import {TmError} from '../errors.js';
import type {LogSpec} from '../model.js';
import {rotatedLogPath} from '../paths.js';
import {errnoText} from './errno-text.js';
import {makeFolder, openForAppend, privateAccess, type Access} from './file-access.js';

const NL = 10;

/** Folders this process has made sure of (created, and writable): a job start need not ask again. */
const knownFolders = new Set<string>();

function ensureFolder(folder: string, writable: boolean, access: Access): void {
	if (!knownFolders.has(folder)) {
		makeFolder(folder, access);
		if (writable) {
			accessSync(folder, constants.W_OK | constants.X_OK);
		}

		knownFolders.add(folder);
	}
}

function isMissing(error: unknown): boolean {
	return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * An append-only log file. Every `write` is done with `fs.writeSync`: when it returns, the
 * bytes are in the file (in the page cache), so a task's exit recorded after its output was
 * written never races the output. Failures throw {@link TmError}s naming the path.
 */
export class LogFile {
	readonly #path: string;
	readonly #spec: LogSpec;
	readonly #now: () => number;
	readonly #access: Access;
	#fd: number | null;
	/** Open, but the file is created at the first write (see `open`'s `createOnFirstWrite`). */
	#deferred = false;
	/** Bytes in the current file. */
	#size: number;
	#bytesWritten = 0;
	/** Bytes `write` was asked to put in the file (timestamps included): what was lost is the difference. */
	#bytesAsked = 0;
	/** Whether the last byte this object wrote ended a line (a note about lost output starts on a line of its own). */
	#atLineEnd = true;
	/** With timestamps: whether the next byte starts a line (and so gets a prefix). */
	#atLineStart = true;
	#stampAt = Number.NaN;
	#stamp = '';

	private constructor(path: string, spec: LogSpec, now: () => number, access: Access, fd: number | null, size: number) {
		this.#path = path;
		this.#spec = spec;
		this.#now = now;
		this.#access = access;
		this.#fd = fd;
		this.#size = size;
	}

	/**
	 * Opens `path` for appending, creating it and its parent directories. An existing file is
	 * kept and its size counts towards `spec.maxSize`. With `createOnFirstWrite`, the file is
	 * opened (created when it is not there) by the first write, which reads its size then (a job
	 * that prints nothing leaves no file, and creating files is what costs on a journaling file
	 * system: ~0.5 ms each here); its folder must be writable now. A file tm creates gets
	 * `access` (0600 unless shared with a group), and so do the folders it makes for it.
	 * @throws TmError `E_SPAWN` naming the path and the errno when it cannot be opened.
	 */
	static open(path: string, spec: LogSpec, now: () => number, createOnFirstWrite = false, access: Access = privateAccess): LogFile {
		let fd: number | null = null;
		try {
			if (createOnFirstWrite) {
				ensureFolder(dirname(path), true, access);
				// No look at the file now: the first write opens (or creates) it and reads its size.
				const file = new LogFile(path, spec, now, access, null, 0);
				file.#deferred = true;
				return file;
			}

			makeFolder(dirname(path), access);
			fd = openForAppend(path, access);
			const {size} = fstatSync(fd);
			return new LogFile(path, spec, now, access, fd, size);
		} catch (error) {
			if (fd !== null) {
				try {
					closeSync(fd);
				} catch {
					// The open failure is the one to report.
				}
			}

			throw new TmError('E_SPAWN', `cannot open log file ${path}: ${errnoText(error)}`, {cause: error});
		}
	}

	/** The path this file writes to. */
	get path(): string {
		return this.#path;
	}

	/** Bytes written through this object since it was opened, timestamps included, across rotations. */
	get bytesWritten(): number {
		return this.#bytesWritten;
	}

	/** Bytes `write` was asked to write, timestamps included: `bytesAsked - bytesWritten` never reached the file. */
	get bytesAsked(): number {
		return this.#bytesAsked;
	}

	/** Whether the last byte written ended a line (true before any). */
	get atLineEnd(): boolean {
		return this.#atLineEnd;
	}

	/** Bytes in the current file, as far as this object knows. */
	get size(): number {
		return this.#size;
	}

	/** Whether `close()` has not been called. */
	get isOpen(): boolean {
		return this.#fd !== null || this.#deferred;
	}

	/**
	 * Appends `chunk` (prefixing each line start with the ISO time when `spec.timestamps`),
	 * rotating first when the file would pass `spec.maxSize`.
	 * @throws TmError `E_STORE` naming the path when a write fails or the file is closed (bytes
	 * before the failure are in the file), or when a rotation fails (then the whole chunk is
	 * still written to `path`, which grows past `maxSize`, whenever it could be reopened).
	 */
	write(chunk: Buffer): void {
		if (chunk.length === 0) {
			return;
		}

		const data = this.#spec.timestamps ? this.#stamped(chunk) : chunk;
		this.#bytesAsked += data.length;
		if (this.#fd === null && this.#deferred) {
			try {
				// The folder may have gone since it was checked: make it again.
				knownFolders.delete(dirname(this.#path));
				ensureFolder(dirname(this.#path), false, this.#access);
				this.#fd = openForAppend(this.#path, this.#access);
				this.#size = fstatSync(this.#fd).size;
				this.#deferred = false;
			} catch (error) {
				throw new TmError('E_STORE', `cannot write log file ${this.#path}: ${errnoText(error)}`, {cause: error});
			}
		}

		if (this.#fd === null) {
			throw new TmError('E_STORE', `cannot write log file ${this.#path}: it is closed`);
		}

		const max = this.#spec.maxSize;
		if (max <= 0 || this.#size + data.length <= max) {
			this.#writeAll(data, 0, data.length);
			return;
		}

		this.#writeRotating(data, max);
	}

	/**
	 * Checks that the open file takes writes at all, with a write of no bytes: a file that can
	 * never be written (`/dev/full`) fails it, a regular file on a full disk does not (its output
	 * is counted as lost until there is room again). A file not created yet passes.
	 * @throws TmError `E_SPAWN` naming the path and the errno.
	 */
	probe(): void {
		if (this.#fd === null) {
			return;
		}

		try {
			writeSync(this.#fd, Buffer.alloc(0));
		} catch (error) {
			throw new TmError('E_SPAWN', `cannot write log file ${this.#path}: ${errnoText(error)}`, {cause: error});
		}
	}

	/** Whether the file holds a descriptor now (it is written, or was lately). */
	get holdsDescriptor(): boolean {
		return this.#fd !== null;
	}

	/**
	 * Lets go of the descriptor but stays writable: the next write opens the file again by its
	 * path and reads its size (an idle task then holds no descriptor for its log; issue 22).
	 */
	rest(): void {
		const fd = this.#fd;
		if (fd === null) {
			return;
		}

		this.#fd = null;
		this.#deferred = true;
		try {
			closeSync(fd);
		} catch {
			// A failed close (EIO) leaves the descriptor closed all the same; the next write reopens.
		}
	}

	/** Closes the file; later writes throw. Closing twice does nothing. */
	close(): void {
		this.#deferred = false;
		const fd = this.#fd;
		if (fd === null) {
			return;
		}

		this.#fd = null;
		try {
			closeSync(fd);
		} catch (error) {
			throw new TmError('E_STORE', `cannot close log file ${this.#path}: ${errnoText(error)}`, {cause: error});
		}
	}

	/** Writes `data` cutting it at line boundaries where it has to rotate. */
	#writeRotating(data: Buffer, max: number): void {
		let off = 0;
		while (off < data.length) {
			const left = data.length - off;
			if (this.#size + left <= max) {
				this.#writeAll(data, off, data.length);
				return;
			}

			const room = max - this.#size;
			const cut = room > 0 ? data.subarray(off, off + room).lastIndexOf(NL) : -1;
			if (cut !== -1) {
				// Whole lines fit: write them, the rest goes to a fresh file.
				this.#writeAll(data, off, off + cut + 1);
				off += cut + 1;
			} else if (this.#size === 0) {
				// One line larger than the whole file: it has to be split.
				this.#writeAll(data, off, off + max);
				off += max;
			}

			try {
				this.#rotate();
			} catch (error) {
				// Rotation failed: keep the output (the file grows past maxSize) and report it.
				if (this.#fd !== null) {
					this.#writeAll(data, off, data.length);
				}

				throw error;
			}
		}
	}

	/** `data[from, to)` into the file, looping over short writes. */
	#writeAll(data: Buffer, from: number, to: number): void {
		const fd = this.#fd;
		if (fd === null) {
			throw new TmError('E_STORE', `cannot write log file ${this.#path}: it is closed`);
		}

		let off = from;
		try {
			while (off < to) {
				const n = writeSync(fd, data, off, to - off);
				if (n <= 0) {
					throw new Error('the system wrote no bytes');
				}

				off += n;
				this.#size += n;
				this.#bytesWritten += n;
				this.#atLineEnd = data[off - 1] === NL;
			}
		} catch (error) {
			throw new TmError('E_STORE', `cannot write log file ${this.#path}: ${errnoText(error)}`, {cause: error});
		}
	}

	/** Shifts `path` → `path.1` → … → `path.N` (dropping the oldest) and starts an empty `path`. */
	#rotate(): void {
		const path = this.#path;
		const backups = Math.max(Math.floor(this.#spec.backups), 0);
		try {
			if (backups === 0) {
				if (this.#fd !== null) {
					ftruncateSync(this.#fd, 0);
				}

				this.#size = 0;
				return;
			}

			this.close();
			for (let i = backups - 1; i >= 1; i--) {
				this.#renameIfPresent(rotatedLogPath(path, i), rotatedLogPath(path, i + 1));
			}

			this.#renameIfPresent(path, rotatedLogPath(path, 1));
			makeFolder(dirname(path), this.#access);
			this.#fd = openForAppend(path, this.#access);
			this.#size = fstatSync(this.#fd).size;
		} catch (error) {
			this.#reopenAfterFailedRotation();
			if (error instanceof TmError) {
				throw error;
			}

			throw new TmError('E_STORE', `cannot rotate log file ${path}: ${errnoText(error)}`, {cause: error});
		}
	}

	#renameIfPresent(from: string, to: string): void {
		try {
			renameSync(from, to);
		} catch (error) {
			if (!isMissing(error)) {
				throw error;
			}
		}
	}

	/** After a failed rotation, `path` open again (best effort) so that the output still has a home. */
	#reopenAfterFailedRotation(): void {
		if (this.#fd !== null) {
			return;
		}

		try {
			this.#fd = openForAppend(this.#path, this.#access);
			this.#size = fstatSync(this.#fd).size;
		} catch {
			this.#fd = null;
		}
	}

	/** `chunk` with the current time before every line start in it. */
	#stamped(chunk: Buffer): Buffer {
		const stamp = this.#currentStamp();
		// Latin-1 maps each byte to one character and back, so this is exact for any bytes, and
		// far faster than copying line by line.
		const text = chunk.toString('latin1');
		const endsLine = chunk[chunk.length - 1] === NL;
		let stamped = text.replaceAll('\n', `\n${stamp}`);
		if (endsLine) {
			stamped = stamped.slice(0, stamped.length - stamp.length);
		}

		if (this.#atLineStart) {
			stamped = stamp + stamped;
		}

		this.#atLineStart = endsLine;
		return Buffer.from(stamped, 'latin1');
	}

	/** The ISO time of now and a space, as Latin-1 text (it contains no '$'). */
	#currentStamp(): string {
		const at = this.#now();
		if (at !== this.#stampAt) {
			this.#stampAt = at;
			this.#stamp = `${new Date(at).toISOString()} `;
		}

		return this.#stamp;
	}
}
