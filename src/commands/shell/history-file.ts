/**
 * The lines typed at `tm shell`, kept in `$TM_HOME/shell_history` (0600: a line may hold a
 * secret) across sessions: read at start, each line appended as it is run, so two shells at
 * once both keep theirs. A line that starts with a space is not kept (as bash's ignorespace).
 */
import {appendFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {messageOf} from '../../core/errors.js';

/** Lines the shell offers with ↑, and keeps in the file (it is cut back to this at start). */
export const historySize = 1000;

export class HistoryFile {
	readonly #file: string;
	readonly #warn: (message: string) => void;
	#broken = false;

	constructor(file: string, warn: (message: string) => void) {
		this.#file = file;
		this.#warn = warn;
	}

	/** The kept lines, newest first (as readline takes them); none when there is no file yet. */
	load(): string[] {
		let lines: string[];
		try {
			lines = readFileSync(this.#file, 'utf8').split('\n').filter(Boolean);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				this.#fail('read', error);
			}

			return [];
		}

		const kept = lines.filter((line, i) => line !== lines[i - 1]).slice(-historySize);
		if (kept.length < lines.length) {
			this.#write(() => writeFileSync(this.#file, `${kept.join('\n')}\n`, {mode: 0o600}));
		}

		return kept.reverse();
	}

	/** Keeps one line run at the prompt (without the space Tab leaves at its end). */
	add(line: string): void {
		if (line.trim() !== '' && !line.startsWith(' ')) {
			this.#write(() => appendFileSync(this.#file, `${line.trimEnd().replaceAll('\n', ' ')}\n`, {mode: 0o600}));
		}
	}

	#write(work: () => void): void {
		if (this.#broken) {
			return;
		}

		try {
			mkdirSync(path.dirname(this.#file), {recursive: true, mode: 0o700});
			work();
		} catch (error) {
			this.#fail('write', error);
		}
	}

	/** Said once: the shell works on without keeping its history. */
	#fail(what: 'read' | 'write', error: unknown): void {
		this.#broken = true;
		this.#warn(`cannot ${what} the shell history ${this.#file} (${messageOf(error)}); this session's lines are not kept`);
	}
}
