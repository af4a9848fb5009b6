/**
 * The filters of the audit trail (`tm history --all`, `tm events`, the API's history): `since`
 * and `cause`, each refused with the words that name what it takes.
 */
import {causes, isCause} from './causes.js';
import {parseDuration} from './config/units.js';
import {didYouMean} from './config/suggest.js';
import {TmError} from './errors.js';
import type {Cause} from './model.js';

/** `--since`: a duration back from `now` (`1h`, `30m`) or a time (`2026-11-23T10:00`); ms since the epoch. */
export function parseSince(text: string, now: number): number {
	const duration = parseDuration(text);
	if (duration.ok && duration.value > 0) {
		return now - duration.value;
	}

	const at = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : Number.NaN;
	if (Number.isNaN(at)) {
		throw new TmError('E_USAGE', `--since takes a duration back from now (1h, 30m, 2d) or a time (2026-11-23T10:00), got "${text}"`);
	}

	return at;
}

/** `--cause`: one of the stable words of docs/cli-json.md. */
export function parseCause(word: string): Cause {
	if (!isCause(word)) {
		throw new TmError('E_USAGE', `--cause: no cause "${word}"${didYouMean(word, causes) || '.'} The causes are ${causes.join(', ')}`);
	}

	return word;
}
