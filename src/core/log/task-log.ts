/**
 * Everything one task's output goes through: its log file(s), its line ring, its listeners.
 */

import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import type {LogSpec} from '../model.js';
import {LineRing, MAX_RING_LINE_BYTES, type LogLine, type LogStream} from './line-ring.js';
import {accessFor, type Access} from './file-access.js';
import {LineSplitter} from './line-splitter.js';
import type {IdleFiles} from './idle-files.js';
import {LogFile} from './log-file.js';
import {UnsplitOutput} from './unsplit-output.js';
import {WriteLosses, type WriteWatch} from './write-losses.js';

/** Options of {@link TaskLog}. */
export type TaskLogOptions = {
	stdoutPath: string;
	/** May be the same file as `stdoutPath`: both streams then share one open file. */
	stderrPath: string;
	spec: LogSpec;
	/** Create a log file at the task's first byte of output rather than at `open` (jobs: see LogFile.open). */
	createOnFirstWrite?: boolean;
	/** The task's group: its log files are created 0640 and given to it; else 0600 (file-access.ts). */
	group?: string | null;
	/** Lines kept in memory, both streams together. Defaults to {@link DEFAULT_RING_SIZE}. */
	ringSize?: number;
	/** The clock, in ms since the epoch: line times and timestamps. */
	now: () => number;
	/** Told when a log file cannot be written, and when it can again (the daemon's disk health). */
	watch?: WriteWatch;
	/**
	 * With it, the files hold no descriptor while the task is quiet: let go once opened and
	 * checked, opened again by the next output, let go after a quiet while (idle-files.ts).
	 */
	idle?: IdleFiles;
};

/** Lines a task keeps in memory unless told otherwise. */
export const DEFAULT_RING_SIZE = 1000;

/** Called with each complete line, after it is in the file and in the ring. */
export type LineListener = (line: LogLine) => void;

/** Code units a splitter keeps of one line: always more than the ring keeps, so it marks the cut. */
const SPLITTER_MAX_LENGTH = MAX_RING_LINE_BYTES + 1;

/**
 * One task's output. Bytes go to the log file as they arrive (synchronously, so they are on
 * file before the caller records anything after them); complete lines go to the ring and to
 * listeners. The ring outlives runs: `flush()`/`close()`/`reopen()` never clear it. Bytes a file
 * cannot take (a full disk) are counted, and said in one line once it can (write-losses.ts).
 */
export class TaskLog {
	readonly #stdoutPath: string;
	readonly #stderrPath: string;
	readonly #shared: boolean;
	readonly #spec: LogSpec;
	readonly #now: () => number;
	readonly #createOnFirstWrite: boolean;
	readonly #group: string | null;
	readonly #ring: LineRing;
	readonly #listeners = new Set<LineListener>();
	readonly #splitters: Record<LogStream, LineSplitter> = {
		stdout: new LineSplitter({maxLength: SPLITTER_MAX_LENGTH}),
		stderr: new LineSplitter({maxLength: SPLITTER_MAX_LENGTH}),
	};

	/** Output no one has looked at yet, split when the ring is read or someone listens. */
	readonly #unsplit: UnsplitOutput;
	#stdoutFile: LogFile | null = null;
	#stderrFile: LogFile | null = null;
	readonly #idle: IdleFiles | null;
	/** When output last came (idle-files.ts closes the files after a quiet while). */
	#outputAt = 0;
	/** What each file could not take, kept across runs; one object when both streams share a file. */
	readonly #losses: Record<LogStream, WriteLosses>;

	constructor(options: TaskLogOptions) {
		this.#stdoutPath = options.stdoutPath;
		this.#stderrPath = options.stderrPath;
		this.#shared = resolve(options.stdoutPath) === resolve(options.stderrPath);
		this.#spec = options.spec;
		this.#now = options.now;
		this.#createOnFirstWrite = options.createOnFirstWrite ?? false;
		this.#group = options.group ?? null;
		this.#idle = options.idle ?? null;
		this.#ring = new LineRing(options.ringSize ?? DEFAULT_RING_SIZE);
		this.#unsplit = new UnsplitOutput(this.#ring, this.#splitters);
		const stdoutLosses = new WriteLosses({watch: options.watch});
		this.#losses = {stdout: stdoutLosses, stderr: this.#shared ? stdoutLosses : new WriteLosses({watch: options.watch})};
	}

	/** Whether the log files are open. */
	get isOpen(): boolean {
		return this.#stdoutFile !== null;
	}

	/** The sequence number of the last line, 0 before the first (see {@link LineRing.since}). */
	get lastSeq(): number {
		return this.#unsplit.lastSeq;
	}

	/**
	 * Opens both log files (one, when the paths are the same), creating directories, and checks
	 * that each takes writes at all (`/dev/full` never does; a full disk may have room later).
	 * Does nothing when already open.
	 * @throws TmError `E_SPAWN` naming the path that cannot be opened or written; nothing stays open then.
	 */
	open(): void {
		if (this.#stdoutFile !== null) {
			return;
		}

		const access: Access = accessFor(this.#group);
		const stdoutFile = this.#openFile(this.#stdoutPath, access);
		let stderrFile = stdoutFile;
		if (!this.#shared) {
			try {
				stderrFile = this.#openFile(this.#stderrPath, access);
			} catch (error) {
				stdoutFile.close();
				throw error;
			}
		}

		this.#stdoutFile = stdoutFile;
		this.#stderrFile = stderrFile;
		if (this.#idle !== null) {
			// Created and checked: a task that prints nothing holds no descriptor for them.
			this.#rest();
		}
	}

	/** Lets go of the files' descriptors when nothing came for `quietMs` (true: it did, or holds none). */
	restIfQuiet(now: number, quietMs: number): boolean {
		if (now - this.#outputAt < quietMs && this.#holdsDescriptor()) {
			return false;
		}

		this.#rest();
		return true;
	}

	/** What each stream's file has lost and not yet said (null: nothing). */
	losses(): Record<LogStream, {bytes: number} | null> {
		return {stdout: this.#losses.stdout.pending, stderr: this.#losses.stderr.pending};
	}

	/**
	 * Takes a chunk of the child's stdout. Bytes the file cannot take are counted, not thrown
	 * (their lines still reach the ring and the listeners). Its bytes are copied where kept: the
	 * caller may reuse it.
	 * @throws the first error a listener threw (after all were called).
	 */
	stdout(chunk: Buffer): void {
		this.#take('stdout', chunk);
	}

	/** Takes a chunk of the child's stderr; see {@link TaskLog.stdout}. */
	stderr(chunk: Buffer): void {
		this.#take('stderr', chunk);
	}

	/**
	 * Ends each stream's partial last line, for once the child's pipes have closed: it goes to
	 * the ring and the listeners (its bytes are already in the file, left as the child wrote them:
	 * no '\n' is added). The splitters start fresh for the next run.
	 * @throws the first error a listener threw, after all lines were delivered.
	 */
	flush(): void {
		this.#unsplit.settle();
		let failure: {error: unknown} | null = null;
		for (const stream of ['stdout', 'stderr'] as const) {
			const text = this.#splitters[stream].flush();
			if (text !== null) {
				const error = this.#emit(stream, text, this.#now());
				failure ??= error;
			}
		}

		if (failure !== null) {
			throw failure.error;
		}
	}

	/** Flushes partial lines, then closes the files. The ring and listeners stay. */
	close(): void {
		try {
			this.flush();
		} finally {
			this.#closeFiles();
		}
	}

	/**
	 * Closes and opens the files again by path, for a new run after the files were moved or
	 * deleted outside tm. The ring and listeners stay.
	 * @throws TmError `E_SPAWN` as {@link TaskLog.open}.
	 */
	reopen(): void {
		this.#closeFiles();
		this.open();
	}

	/** The last `n` lines (of `stream` only, when given), oldest first. */
	tail(n: number, stream?: LogStream): LogLine[] {
		this.#unsplit.settle();
		return this.#ring.tail(n, stream);
	}

	/** The lines still in the ring whose `seq` is greater than `seq`, oldest first. */
	since(seq: number): LogLine[] {
		this.#unsplit.settle();
		return this.#ring.since(seq);
	}

	/**
	 * Calls `listener` with every complete line from now on.
	 * @returns A function that unsubscribes it.
	 */
	onLine(listener: LineListener): () => void {
		// A wrapper, so the same function subscribed twice is two subscriptions.
		const entry: LineListener = (line) => {
			listener(line);
		};
		// From now on lines are split as they come; what came before is split first, so seqs stay in order.
		this.#unsplit.settle();

		this.#listeners.add(entry);
		return () => {
			this.#listeners.delete(entry);
		};
	}

	/** A file that exists is opened now even for a job (no creation to save), so it can be probed. */
	#openFile(path: string, access: Access): LogFile {
		const file = LogFile.open(path, this.#spec, this.#now, this.#createOnFirstWrite && !existsSync(path), access);
		try {
			file.probe();
		} catch (error) {
			file.close();
			throw error;
		}

		return file;
	}

	#take(stream: LogStream, chunk: Buffer): void {
		const at = this.#now();
		const file = stream === 'stdout' ? this.#stdoutFile : this.#stderrFile;
		if (file === null) {
			this.#losses[stream].lost(chunk.length, at, 'the task log was not open');
		} else {
			this.#losses[stream].write(file, chunk, at);
			this.#outputAt = at;
			if (this.#idle !== null && file.holdsDescriptor) {
				this.#idle.opened(this);
			}
		}

		// With no one listening, the bytes wait unsplit until the ring is read.
		if (this.#listeners.size === 0) {
			this.#unsplit.add(stream, at, chunk);
			return;
		}

		let failure: {error: unknown} | null = null;
		const lines = this.#splitters[stream].push(chunk);
		if (lines.length > 0) {
			for (const text of lines) {
				const error = this.#emit(stream, text, at);
				failure ??= error;
			}
		}

		if (failure !== null) {
			throw failure.error;
		}
	}

	/** Rings and delivers one line; returns the first listener error, if any. */
	#emit(stream: LogStream, text: string, at: number): {error: unknown} | null {
		const line = this.#ring.push({at, stream, text});
		if (this.#listeners.size === 0) {
			return null;
		}

		let failure: {error: unknown} | null = null;
		for (const listener of this.#listeners) {
			try {
				listener(line);
			} catch (error) {
				failure ??= {error};
			}
		}

		return failure;
	}

	#holdsDescriptor(): boolean {
		return (this.#stdoutFile?.holdsDescriptor ?? false) || (this.#stderrFile?.holdsDescriptor ?? false);
	}

	#rest(): void {
		this.#stdoutFile?.rest();
		this.#stderrFile?.rest();
	}

	#closeFiles(): void {
		this.#idle?.closed(this);
		const stdoutFile = this.#stdoutFile;
		const stderrFile = this.#stderrFile;
		this.#stdoutFile = null;
		this.#stderrFile = null;
		this.#losses.stdout.closed();
		this.#losses.stderr.closed();
		for (const file of stderrFile === stdoutFile ? [stdoutFile] : [stdoutFile, stderrFile]) {
			try {
				file?.close();
			} catch {
				// A failed close (EIO) leaves nothing to do: the daemon must not stop over a log.
			}
		}
	}
}
