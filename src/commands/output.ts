/**
 * Printing results and errors the same way in every command: JSON documents for `--json`,
 * plain lines otherwise, and errors as `{"error": {"code", "message"}}` on stderr.
 */
import {exitCodeFor, messageOf, TmError, type TmErrorCode} from '../core/errors.js';
import type {Io} from './deps.js';

export function printJson(io: Io, value: unknown): void {
	io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reports `error` and returns the exit code it maps to. */
export function reportError(io: Io, json: boolean | undefined, error: unknown, details?: Record<string, unknown>): number {
	const code: TmErrorCode = error instanceof TmError ? error.code : 'E_INTERNAL';
	const message = messageOf(error);
	if (json) {
		const own = error instanceof TmError ? error.details : undefined;
		io.err(`${JSON.stringify({error: {code, message, ...own, ...details}})}\n`);
	} else {
		io.err(`tm: ${message}\n`);
	}

	return exitCodeFor(code);
}
