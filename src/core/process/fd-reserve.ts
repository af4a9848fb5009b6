/**
 * The daemon's own file descriptors, as the operating system sees them: the limit (`ulimit -n`),
 * spare descriptors held open on /dev/null so that they can be handed back when the rest are
 * gone (the spare-descriptor trick of nginx and libev), and whether one more can be opened now.
 *
 * libuv has a spare of its own for `accept`, but it only uses it to accept and close at once:
 * a client of a daemon out of descriptors is hung up on without an answer. tm's spares keep
 * descriptors free for the socket's clients instead (descriptors.ts decides when).
 */
import {closeSync, openSync, readFileSync} from 'node:fs';

export type Opener = {open(): number; close(fd: number): void};

const devNull: Opener = {open: () => openSync('/dev/null', 'r'), close: fd => closeSync(fd)};

/** What a failed call said, or the text of a message: which shortage it names, if any. */
export function shortageOf(failure: unknown): 'EMFILE' | 'ENFILE' | null {
	const text = typeof failure === 'string' ? failure : `${(failure as {code?: unknown} | null)?.code ?? ''} ${failure instanceof Error ? failure.message : ''}`;
	const found = /\b(EMFILE|ENFILE)\b/.exec(text);
	return found ? (found[1] as 'EMFILE' | 'ENFILE') : null;
}

/** The soft limit on open files (`ulimit -n`, `LimitNOFILE=`); null when unlimited or unknown. */
export function descriptorLimit(limits = '/proc/self/limits'): number | null {
	try {
		const line = readFileSync(limits, 'utf8')
			.split('\n')
			.find(text => text.startsWith('Max open files'));
		const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
		return soft === undefined || !/^\d+$/.test(soft) ? null : Number(soft);
	} catch {
		return null;
	}
}

/** Spare descriptors: all held, or none. */
export class SpareDescriptors {
	readonly count: number;
	readonly #opener: Opener;
	#fds: number[] = [];

	constructor(count: number, opener: Opener = devNull) {
		this.count = count;
		this.#opener = opener;
	}

	get held(): boolean {
		return this.#fds.length > 0;
	}

	/**
	 * Takes the spares, provided `room` more descriptors could be opened beside them (those are
	 * opened and closed again); false, holding none, when the process cannot open that many now.
	 * @throws what opening /dev/null threw when it was not for want of descriptors.
	 */
	take(room = 0): boolean {
		if (this.held) {
			return true;
		}

		const opened: number[] = [];
		try {
			while (opened.length < this.count + room) {
				opened.push(this.#opener.open());
			}
		} catch (error) {
			this.#close(opened);
			if (shortageOf(error) === null) {
				throw error;
			}

			return false;
		}

		this.#fds = opened.slice(0, this.count);
		this.#close(opened.slice(this.count));
		return true;
	}

	/** Closes them: their descriptors are free for whoever opens next. */
	release(): void {
		this.#close(this.#fds);
		this.#fds = [];
	}

	/** The shortage that keeps one more descriptor from being opened now, or null when one can be. */
	probe(): 'EMFILE' | 'ENFILE' | null {
		try {
			this.#opener.close(this.#opener.open());
			return null;
		} catch (error) {
			return shortageOf(error);
		}
	}

	#close(fds: number[]): void {
		for (const fd of fds) {
			try {
				this.#opener.close(fd);
			} catch {
				// Closed is closed.
			}
		}
	}
}
