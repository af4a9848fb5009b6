/**
 * The daemon log (`taskmaster.logfile`): a JSON line per event and per thing the daemon itself
 * does, rotated like a task log. It is opened before any other part of the daemon is made, so
 * everything that logs (the alerter, recovery, reloads, housekeeping) finds it open. A line that
 * cannot be written (a full disk) is counted, never a failure: one warning when it starts, and
 * a line saying how much was lost once the log can be written again.
 */
import path from 'node:path';
import type {Clock} from '../clock.js';
import {logDefaults} from '../config/defaults.js';
import type {TaskEventRecord} from '../engine.js';
import {messageOf} from '../errors.js';
import {daemonJsonLine, eventJsonLine} from '../event-log.js';
import {LogFile} from '../log/log-file.js';
import {WriteLosses, type WriteWatch} from '../log/write-losses.js';

/** The daemon log rotates like a task log (10 MiB, 5 backups); its JSON lines carry their own time. */
const daemonLogSpec = {...logDefaults, timestamps: false};

export class DaemonLog {
	/** `taskmaster.logfile` as an absolute path (the web view serves it), or null when not set. */
	readonly path: string | null;
	readonly #file: LogFile | null;
	readonly #clock: Clock;
	readonly #warn: (message: string) => void;
	readonly #losses: WriteLosses;

	private constructor(file: string | null, open: LogFile | null, clock: Clock, warn: (message: string) => void, watch?: WriteWatch) {
		this.path = file;
		this.#file = open;
		this.#clock = clock;
		this.#warn = warn;
		this.#losses = new WriteLosses({watch, notice: loss => daemonJsonLine(clock.now(), 'daemon log lines lost', loss)});
	}

	/**
	 * `logfile` is resolved against `cwd`; a file that cannot be opened disables the log, with a
	 * warning. `watch` hears when it cannot be written, and when it can again.
	 */
	static open(logfile: string | null, cwd: string, clock: Clock, warn: (message: string) => void, watch?: WriteWatch): DaemonLog {
		const file = logfile === null ? null : path.resolve(cwd, logfile);
		if (file === null) {
			return new DaemonLog(null, null, clock, warn);
		}

		try {
			return new DaemonLog(file, LogFile.open(file, daemonLogSpec, () => clock.now()), clock, warn, watch);
		} catch (error) {
			warn(`daemon log disabled: ${messageOf(error)}`);
			return new DaemonLog(file, null, clock, warn);
		}
	}

	/** A daemon-level line (not about one task): `daemon started`, `config reloaded`, … */
	note(message: string, data: Record<string, unknown> = {}, at = this.#clock.now()): void {
		if (this.#file !== null) {
			this.#write(daemonJsonLine(at, message, data));
		}
	}

	event(event: TaskEventRecord): void {
		// No JSON built without a file: a burst of jobs is thousands of events.
		if (this.#file !== null) {
			this.#write(eventJsonLine(event));
		}
	}

	close(): void {
		try {
			this.#file?.close();
		} catch (error) {
			this.#warn(messageOf(error));
		}
	}

	#write(line: string): void {
		if (this.#file === null) {
			return;
		}

		const failing = this.#losses.pending !== null;
		this.#losses.write(this.#file, Buffer.from(line), this.#clock.now());
		const loss = this.#losses.pending;
		if (!failing && loss !== null) {
			this.#warn(`cannot write the daemon log, its lines are counted until it can: ${loss.why}`);
		}
	}
}
