/**
 * Turns a failed system call into the short errno text tm puts in its messages.
 */

import {getSystemErrorMap} from 'node:util';
import {messageOf} from '../errors.js';

/**
 * The errno name and description of a failed system call, e.g. `ENOTDIR: not a directory`,
 * without the path Node appends (callers name the path themselves). Anything that is not a
 * system error gives its message.
 */
export function errnoText(error: unknown): string {
	if (error instanceof Error) {
		const {errno, code} = error as NodeJS.ErrnoException;
		if (typeof errno === 'number') {
			const entry = getSystemErrorMap().get(errno);
			if (entry !== undefined) {
				return `${entry[0]}: ${entry[1]}`;
			}
		}

		if (typeof code === 'string' && code.length > 0) {
			return code;
		}
	}

	return messageOf(error);
}
