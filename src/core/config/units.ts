/**
 * Parsers for the config's units: durations, sizes, signals, umasks and percentages. Each takes
 * the value as read from YAML and returns the normalised value, or the tail of a message
 * (`expected a duration like 30s, 5m or 500ms, got "ten"`).
 */
import {constants} from 'node:os';
import {err, ok, type Result} from '../errors.js';
import {describe} from './describe.js';
import {didYouMean} from './suggest.js';

const durationUnits: Readonly<Record<string, number>> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};
const sizePowers: Readonly<Record<string, number>> = {'': 0, b: 0, k: 1, m: 2, g: 3, t: 4};
const decimal = /^\d+(?:\.\d+)?$/;

/**
 * A duration in milliseconds: `500ms`, `30s`, `5m`, `2h`, `7d`, a sum like `1h30m`, or a bare
 * number of seconds (Taskmaster's `stoptime: 10`).
 */
export function parseDuration(value: unknown): Result<number, string> {
	const fail = err(`expected a duration like 30s, 5m or 500ms, got ${describe(value)}`);
	if (typeof value === 'number') {
		return Number.isFinite(value) && value >= 0 ? ok(Math.round(value * 1000)) : fail;
	}

	if (typeof value !== 'string') {
		return fail;
	}

	const text = value.replaceAll(/\s+/g, '').toLowerCase();
	if (decimal.test(text)) {
		return ok(Math.round(Number(text) * 1000));
	}

	if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text)) {
		return fail;
	}

	let total = 0;
	for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
		total += Number(amount) * (durationUnits[unit ?? ''] ?? 0);
	}

	return ok(Math.round(total));
}

/**
 * A size in bytes, in powers of 1024: `512M`, `10MB`, `10MiB`, `1G`, `100K`, or a bare number
 * of bytes.
 */
export function parseSize(value: unknown): Result<number, string> {
	const fail = err(`expected a size like 512M, 10MB or 1G, got ${describe(value)}`);
	if (typeof value === 'number') {
		return Number.isInteger(value) && value >= 0 ? ok(value) : fail;
	}

	if (typeof value !== 'string') {
		return fail;
	}

	const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?$/i.exec(value.trim());
	if (!match) {
		return fail;
	}

	const power = sizePowers[(match[2] ?? match[3] ?? '').toLowerCase()] ?? 0;
	return ok(Math.round(Number(match[1]) * 1024 ** power));
}

const signalNumbers: Readonly<Record<string, number>> = constants.signals;

/** A signal's normalised name (`SIGTERM`) from `TERM`, `SIGTERM`, `term`, `15` or 15. */
export function parseSignal(value: unknown): Result<string, string> {
	const expected = `expected a signal name like TERM, HUP or SIGKILL, got ${describe(value)}`;
	if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
		const number = Number(value);
		const name = Object.keys(signalNumbers).find((key) => signalNumbers[key] === number);
		return name === undefined ? err(`${expected}; no signal has that number`) : ok(name);
	}

	if (typeof value !== 'string') {
		return err(expected);
	}

	const upper = value.trim().toUpperCase();
	const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
	if (Object.hasOwn(signalNumbers, name)) {
		return ok(name);
	}

	const known = Object.keys(signalNumbers);
	return err(expected + didYouMean(upper, upper.startsWith('SIG') ? known : known.map((key) => key.slice(3))));
}

/**
 * A umask, always read as octal digits, whatever YAML made of it: `022`, `"022"`, `22` and
 * `0o22` are all 0o22. Pass the scalar's source text when YAML read it as a number (YAML 1.2
 * reads `022` as the decimal 22; its digits are what the person meant).
 */
export function parseUmask(value: unknown): Result<number, string> {
	const fail = err(`expected an octal umask like 022 or 077, got ${describe(value)}`);
	let text: string;
	if (typeof value === 'number') {
		if (!Number.isInteger(value) || value < 0) {
			return fail;
		}

		text = String(value);
	} else if (typeof value === 'string') {
		text = value.trim().replace(/^0o/i, '');
	} else {
		return fail;
	}

	if (!/^[0-7]{1,4}$/.test(text)) {
		return fail;
	}

	const mask = Number.parseInt(text, 8);
	return mask <= 0o777 ? ok(mask) : err(`expected an octal umask from 000 to 777, got ${describe(value)}`);
}

/** A percentage as a number: `1%`, `0.5%`, `1` → 1, `0.5`. */
export function parsePercent(value: unknown): Result<number, string> {
	const fail = err(`expected a percentage like 1% or 0.5%, got ${describe(value)}`);
	if (typeof value === 'number') {
		return Number.isFinite(value) && value >= 0 ? ok(value) : fail;
	}

	if (typeof value !== 'string') {
		return fail;
	}

	const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(value.trim());
	return match ? ok(Number(match[1])) : fail;
}
