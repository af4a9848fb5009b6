/**
 * The background daemon's own output, `$TM_HOME/tmd.out`: `tm up` opens it and the daemon
 * inherits it as stdout and stderr. It is rotated in place, by copy and truncate, so the
 * descriptors stay valid and whatever else writes to them (a crash's stack trace) still lands in
 * tmd.out. Same size and count as the daemon log (10 MiB, 5 old files: `.1` newest).
 */
import {copyFileSync, existsSync, fstatSync, ftruncateSync, renameSync, statSync} from 'node:fs';
import {messageOf} from '../errors.js';

export class OutputRotation {
	readonly #path: string;
	readonly #maxSize: number;
	readonly #backups: number;
	readonly #fd: number;
	#size: number;
	#failed = false;

	private constructor(path: string, maxSize: number, backups: number, fd: number) {
		this.#path = path;
		this.#maxSize = maxSize;
		this.#backups = backups;
		this.#fd = fd;
		this.#size = fstatSync(fd).size;
	}

	/**
	 * Rotation of `path` written through `fd`, or null when `fd` is not that file (rotating
	 * would cut a file this process does not write).
	 */
	static of(path: string, fd: number, spec: {maxSize: number; backups: number}): OutputRotation | null {
		try {
			const open = fstatSync(fd);
			const named = statSync(path);
			if (!open.isFile() || open.ino !== named.ino || open.dev !== named.dev || spec.maxSize <= 0) {
				return null;
			}

			return new OutputRotation(path, spec.maxSize, spec.backups, fd);
		} catch {
			return null;
		}
	}

	/**
	 * Counts `bytes` just written; past the size, the file is rotated. Returns a warning the first
	 * time a rotation fails (the file then grows; the next rotation is tried at the next write).
	 */
	wrote(bytes: number): string | null {
		this.#size += bytes;
		if (this.#size <= this.#maxSize) {
			return null;
		}

		try {
			// Bytes tm did not count (a warning Node printed): the file knows.
			this.#size = fstatSync(this.#fd).size;
			if (this.#size <= this.#maxSize) {
				return null;
			}

			for (let n = this.#backups - 1; n >= 1; n--) {
				if (existsSync(`${this.#path}.${n}`)) {
					renameSync(`${this.#path}.${n}`, `${this.#path}.${n + 1}`);
				}
			}

			if (this.#backups > 0) {
				copyFileSync(this.#path, `${this.#path}.1`);
			}

			ftruncateSync(this.#fd, 0);
			this.#size = 0;
			this.#failed = false;
			return null;
		} catch (error) {
			const first = !this.#failed;
			this.#failed = true;
			return first ? `cannot rotate ${this.#path}: ${messageOf(error)}` : null;
		}
	}
}
