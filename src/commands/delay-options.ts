/**
 * `--delay DURATION` and `--at TIME` (`tm run`, `tm retry`): when a job may start, as the CLI
 * reads them. `--at` is an ISO-8601 date and time, in this machine's local time unless it says
 * its offset; it is sent as an absolute time, so the daemon never guesses a zone. A time in the
 * past is refused (a mistyped date would otherwise run at once).
 */
import {parseDuration} from '../core/config/units.js';
import {TmError} from '../core/errors.js';
import type {DelayParams} from '../core/ipc/methods.js';

export type DelayOptions = {delay?: string; at?: string};

const atFormat = 'YYYY-MM-DDTHH:MM[:SS], local time, or with Z or an offset such as +01:00 (e.g. --at 2026-12-05T03:00)';

const isoTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function usage(message: string): never {
	throw new TmError('E_USAGE', message);
}

/** `--delay`: a duration (`30s`, `5m`, `2h`, `1d`, a bare number of seconds) → milliseconds. */
export function parseDelay(text: string): number {
	const parsed = parseDuration(text);
	if (!parsed.ok) {
		usage(`--delay: ${parsed.error} (e.g. --delay 30s or --delay 2h)`);
	}

	return parsed.value;
}

/** The local time the fields name, or null when that time does not exist here (skipped by a daylight-saving change). */
function localTime(fields: number[]): number | null {
	const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0] = fields;
	const date = new Date(year, month - 1, day, hour, minute, second, ms);
	const same = date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day && date.getHours() === hour && date.getMinutes() === minute;
	return same ? date.getTime() : null;
}

/** `--at`: an ISO-8601 date and time → the absolute time, as ISO-8601 in UTC; refused when it is not after `now`. */
export function parseAt(text: string, now: number): string {
	const match = isoTime.exec(text.trim());
	if (match === null) {
		usage(`--at: expected a date and time as ${atFormat}, got "${text}"`);
	}

	const [, ...parts] = match;
	const offset = parts[7];
	// Year to second, then the fraction as milliseconds (`.5` is 500).
	const fields = [...parts.slice(0, 6).map(part => Number(part ?? '0')), Number((parts[6] ?? '0').padEnd(3, '0'))];
	const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0] = fields;
	const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
	if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
		usage(`--at: "${text}" is not a date and time (expected ${atFormat})`);
	}

	let time: number;
	if (offset === undefined) {
		const local = localTime(fields);
		if (local === null) {
			usage(`--at: ${text} does not exist in local time (a daylight-saving change skips it); give another time, or an offset such as +01:00`);
		}

		time = local;
	} else {
		const sign = offset.startsWith('-') ? -1 : 1;
		const digits = offset.replace(':', '').slice(1);
		if (offset.toUpperCase() !== 'Z' && (Number(digits.slice(0, 2)) > 14 || Number(digits.slice(2)) > 59)) {
			usage(`--at: ${offset} is not a time zone offset (from -12:00 to +14:00)`);
		}

		const minutes = offset.toUpperCase() === 'Z' ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
		time = Date.UTC(year, month - 1, day, hour, minute, second, ms) - minutes * 60_000;
	}

	if (time <= now) {
		usage(`--at: ${text} is in the past (it is now ${new Date(now).toISOString()}); give a later time, or leave --at out to start now`);
	}

	return new Date(time).toISOString();
}

/** The `delayMs` or `at` of a request; both given is a mistake. */
export function delayParams(options: DelayOptions, now: number): DelayParams {
	if (options.delay !== undefined && options.at !== undefined) {
		usage('--delay and --at say the same thing two ways: give one');
	}

	if (options.delay !== undefined) {
		return {delayMs: parseDelay(options.delay)};
	}

	return options.at === undefined ? {} : {at: parseAt(options.at, now)};
}
