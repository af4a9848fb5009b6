/**
 * The daemon's readable lines on stderr. The event lines of one pass of the event loop leave in
 * one write (a burst of jobs is hundreds of lines, and each write to a file or pipe is a system
 * call); any other line goes at once, after those, so the order stays. When stderr is a
 * background daemon's `tmd.out`, it is rotated in place like the daemon log (output-rotation.ts).
 */
import {logDefaults} from '../config/defaults.js';
import {OutputRotation} from '../log/output-rotation.js';

export type DaemonStderr = {
	/** An event line: written with the others of this pass. */
	line(text: string): void;
	/** Any other line: written now, after the pending event lines; `''` only flushes them. */
	now(text: string): void;
};

/** `output`: the file stderr is (`tm up --output`), rotated past `maxSize` bytes; null when it is not one. */
export function daemonStderr(write: (text: string) => void, output: {file: string; maxSize: number} | null): DaemonStderr {
	// File descriptor 2 is stderr: rotated only when it is that very file.
	const rotation = output === null ? null : OutputRotation.of(output.file, 2, {...logDefaults, maxSize: output.maxSize});
	const written = (text: string): void => {
		write(text);
		const problem = rotation?.wrote(Buffer.byteLength(text)) ?? null;
		if (problem !== null) {
			write(`tm: ${problem}\n`);
		}
	};

	let pending = '';
	const flush = (): void => {
		if (pending !== '') {
			const text = pending;
			pending = '';
			written(text);
		}
	};

	return {
		line(text) {
			if (pending === '') {
				setImmediate(flush);
			}

			pending += text;
		},
		now(text) {
			flush();
			if (text !== '') {
				written(text);
			}
		},
	};
}
