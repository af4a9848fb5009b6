/**
 * Whether the daemon can write its files: tm.db, its own log and output, the task logs. Each
 * writer tells it of a failed write and of the next one that works (a task log also when it
 * closes); `status`, `/healthz` and the feed's `daemon` notification show it, and the daemon is
 * told when a problem starts and when the last one is over (its log, its stderr). While a
 * problem lasts, each file's writer is asked every second to try again (to write the line about
 * what it lost), so a file nothing writes soon does not keep the problem alive.
 */
import type {Clock, TimerHandle} from './clock.js';
import type {DiskProblem} from './documents.js';
import {messageOf, TmError} from './errors.js';
import {errnoText} from './log/errno-text.js';
import type {WriteWatch} from './log/write-losses.js';

/** A problem began (`ok` false, the first file's words; `full`: no room) or the last one is over (`ok` true). */
export type DiskChange = {ok: boolean; full: boolean; reason: string; at: number};

/** Errors that mean "no room": the disk (or the user's quota) is full. */
const fullCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

const retryMs = 1000;

export class DiskHealth implements WriteWatch {
	readonly #clock: Clock;
	readonly #problems = new Map<string, DiskProblem>();
	readonly #listeners = new Set<(change: DiskChange) => void>();
	readonly #retries = new Map<string, (now: number) => void>();
	#timer: TimerHandle | null = null;

	constructor(clock: Clock) {
		this.#clock = clock;
	}

	/** Every file that cannot be written now, first failure first. */
	get problems(): DiskProblem[] {
		return [...this.#problems.values()];
	}

	on(listener: (change: DiskChange) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	failed(file: string, error: unknown, retry?: (now: number) => void): void {
		if (retry !== undefined) {
			this.#retries.set(file, retry);
			this.#arm();
		}

		const known = this.#problems.get(file);
		const {why, full} = describe(error);
		if (known !== undefined) {
			if (known.why !== why) {
				this.#problems.set(file, {...known, why, full});
			}

			return;
		}

		const at = this.#clock.now();
		this.#problems.set(file, {file, since: at, why, full});
		if (this.#problems.size === 1) {
			this.#tell({ok: false, full, reason: `${full ? 'disk full' : 'disk error'}: cannot write ${file}: ${why}`, at});
		}
	}

	wrote(file: string): void {
		this.#clear(file, 'writes work again');
	}

	closed(file: string): void {
		this.#clear(file, 'no file left that cannot be written');
	}

	/** Stops asking writers to try again (the daemon is going away). */
	close(): void {
		this.#timer?.cancel();
		this.#timer = null;
		this.#retries.clear();
	}

	#arm(): void {
		if (this.#timer !== null) {
			return;
		}

		const clock = this.#clock;
		this.#timer = clock.at(clock.now() + retryMs, () => {
			this.#timer = null;
			for (const retry of [...this.#retries.values()]) {
				retry(clock.now());
			}

			if (this.#retries.size > 0) {
				this.#arm();
			}
		});
	}

	#clear(file: string, how: string): void {
		this.#retries.delete(file);
		const problem = this.#problems.get(file);
		if (problem === undefined || !this.#problems.delete(file) || this.#problems.size > 0) {
			return;
		}

		const at = this.#clock.now();
		const seconds = Math.round((at - problem.since) / 1000);
		this.#tell({ok: true, full: false, reason: `${how} (${file}, after ${seconds}s)`, at});
	}

	#tell(change: DiskChange): void {
		for (const listener of [...this.#listeners]) {
			listener(change);
		}
	}
}

/** The errno (or SQLite code) and its words, from the innermost error that has one. */
function describe(error: unknown): {why: string; full: boolean} {
	let inner: unknown = error;
	while (inner instanceof Error && inner.cause !== undefined && inner.cause !== null && !hasCode(inner)) {
		inner = inner.cause;
	}

	const code = hasCode(inner) ? (inner as {code: string}).code : null;
	if (code === null) {
		return {why: messageOf(error), full: false};
	}

	const text = typeof (inner as {errno?: unknown}).errno === 'number' ? errnoText(inner) : `${code}: ${messageOf(inner)}`;
	return {why: text, full: fullCodes.has(code)};
}

function hasCode(error: unknown): boolean {
	// A TmError's code is tm's own (E_STORE), not the system's: look at its cause.
	return !(error instanceof TmError) && typeof (error as {code?: unknown} | null)?.code === 'string';
}
