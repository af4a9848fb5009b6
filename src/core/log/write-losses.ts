/**
 * Output that could not be written to a file (a full disk, an I/O error, a file gone read-only)
 * is counted, never thrown: the daemon must not die of a log. Once a write works again, one line
 * says how many bytes were lost, between when and when, and why; then the output goes on.
 */
import {messageOf} from '../errors.js';
import {errnoText} from './errno-text.js';

/** What failed writes dropped: bytes, the first and last failure's times, the last error. */
export type Loss = {bytes: number; from: number; to: number; why: string};

/** Who hears of a file the daemon cannot write (the daemon's disk health). */
export type WriteWatch = {
	/**
	 * A write to `file` failed (told at every failure: the watch tells a new problem from a known
	 * one). `retry` tries again now (the line about the loss), for a file nothing else writes soon.
	 */
	failed(file: string, error: unknown, retry?: (now: number) => void): void;
	/** A write to `file` worked after a failure. */
	wrote(file: string): void;
	/** Nothing writes `file` any more while it had a problem (its task log closed). */
	closed(file: string): void;
};

/** What of a log file the counting needs (LogFile has it). */
export type CountedFile = {
	readonly path: string;
	readonly bytesAsked: number;
	readonly bytesWritten: number;
	readonly atLineEnd: boolean;
	write(chunk: Buffer): void;
};

/** The line about lost output in a task log or in tmd.out. */
export function lossLine(loss: Loss, what = 'output'): string {
	const at = (ms: number): string => new Date(ms).toISOString();
	return `tm: ${loss.bytes} bytes of ${what} lost between ${at(loss.from)} and ${at(loss.to)}: ${loss.why}\n`;
}

/**
 * The losses of one file, kept across its reopenings (a task's next run writes the line about
 * what its last run lost). `notice` makes the line for a loss.
 */
export class WriteLosses {
	readonly #watch: WriteWatch | undefined;
	readonly #notice: (loss: Loss) => string;
	#loss: Loss | null = null;
	/** The file that failed, as the watch was told (so it can be told it works again). */
	#failedPath: string | null = null;
	/** The file last written, for a retry that comes between writes. */
	#last: CountedFile | null = null;

	constructor(options: {watch?: WriteWatch; notice?: (loss: Loss) => string} = {}) {
		this.#watch = options.watch;
		this.#notice = options.notice ?? (loss => lossLine(loss));
	}

	/** What was lost and not yet said in the file, or null. */
	get pending(): Loss | null {
		return this.#loss;
	}

	/**
	 * Writes `chunk` to `file`, the line about earlier losses first. Never throws: what could not
	 * be written is counted. Returns whether all of `chunk` was written.
	 */
	write(file: CountedFile, chunk: Buffer, now: number): boolean {
		this.#last = file;
		if (this.#loss !== null && !this.#say(file, now)) {
			this.#count(chunk.length, now, null);
			return false;
		}

		const asked = file.bytesAsked;
		const written = file.bytesWritten;
		try {
			file.write(chunk);
		} catch (error) {
			const lost = file.bytesAsked - asked - (file.bytesWritten - written);
			this.#fail(file.path, error);
			if (lost > 0) {
				this.#count(lost, now, error);
				return false;
			}

			// Everything was written, something else failed (a rotation): no loss, but a problem.
			return true;
		}

		this.#recovered();
		return true;
	}

	/** Output that had nowhere to go (no file open): counted with the others, the watch is not told. */
	lost(bytes: number, now: number, why: string): void {
		this.#count(bytes, now, new Error(why));
	}

	/** Writes the line about what was lost now, if anything was (the disk health's retry). */
	retry(now: number): void {
		if (this.#loss !== null && this.#last !== null) {
			this.#say(this.#last, now);
		}
	}

	/** The file is closed: a problem it had is no longer the daemon's (what was lost stays counted). */
	closed(): void {
		this.#last = null;
		if (this.#failedPath !== null) {
			this.#watch?.closed(this.#failedPath);
			this.#failedPath = null;
		}
	}

	/** Writes the line about the pending loss; false when it could not be written. */
	#say(file: CountedFile, now: number): boolean {
		const loss = this.#loss!;
		const text = (file.atLineEnd ? '' : '\n') + this.#notice(loss);
		try {
			file.write(Buffer.from(text));
		} catch (error) {
			this.#fail(file.path, error);
			this.#count(0, now, error);
			return false;
		}

		this.#loss = null;
		this.#recovered();
		return true;
	}

	#count(bytes: number, now: number, error: unknown): void {
		const why = error === null ? (this.#loss?.why ?? 'cannot write') : describe(error);
		this.#loss = this.#loss === null ? {bytes, from: now, to: now, why} : {bytes: this.#loss.bytes + bytes, from: this.#loss.from, to: now, why};
	}

	#fail(path: string, error: unknown): void {
		this.#failedPath = path;
		this.#watch?.failed(path, error, now => this.retry(now));
	}

	#recovered(): void {
		if (this.#failedPath !== null) {
			this.#watch?.wrote(this.#failedPath);
			this.#failedPath = null;
		}
	}
}

/** A system error as its errno text (`ENOSPC: no space left on device`), anything else by its message. */
function describe(error: unknown): string {
	return typeof (error as {errno?: unknown} | null)?.errno === 'number' ? errnoText(error) : messageOf(error);
}
