/**
 * The last lines of a file, read from its end (at most `maxBytes`), without blocking the daemon.
 */
import {open} from 'node:fs/promises';

/** Bytes read from the end of the daemon log at most (a few thousand JSON lines). */
export const defaultTailBytes = 512 * 1024;

/** The last `n` complete lines of `file`; none when it does not exist. */
export async function tailLines(file: string, n: number, maxBytes = defaultTailBytes): Promise<string[]> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return [];
		}

		throw error;
	}

	try {
		const {size} = await handle.stat();
		const length = Math.min(size, maxBytes);
		const buffer = Buffer.alloc(length);
		const {bytesRead} = await handle.read(buffer, 0, length, size - length);
		const lines = buffer.toString('utf8', 0, bytesRead).split('\n');
		// The first piece may be the end of a line cut by the window; the last is after the final '\n'.
		if (size > length) {
			lines.shift();
		}

		return n <= 0 ? [] : lines.filter(line => line !== '').slice(-n);
	} finally {
		await handle.close();
	}
}
