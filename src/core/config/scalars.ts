/**
 * Parsers for plain values: integers, numbers, booleans, strings and ids. Each returns the value
 * or the tail of a message naming what was expected and what was found.
 */
import {err, ok, type Result} from '../errors.js';
import {describe} from './describe.js';

/** A function from a YAML value to a normalised one, or a message tail. */
export type Parser<T> = (value: unknown) => Result<T, string>;

function rangeText(min: number | undefined, max: number | undefined): string {
	if (min !== undefined && max !== undefined) {
		return ` from ${min} to ${max}`;
	}

	if (min !== undefined) {
		return ` of at least ${min}`;
	}

	return max === undefined ? '' : ` of at most ${max}`;
}

function inRange(value: number, min: number | undefined, max: number | undefined): boolean {
	return (min === undefined || value >= min) && (max === undefined || value <= max);
}

/** A parser for integers in `[min, max]`; integer-looking strings (`"3"`) are accepted. */
export function integer(min?: number, max?: number): Parser<number> {
	return (value) => {
		const number = typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : value;
		return typeof number === 'number' && Number.isSafeInteger(number) && inRange(number, min, max)
			? ok(number)
			: err(`expected an integer${rangeText(min, max)}, got ${describe(value)}`);
	};
}

/** A parser for finite numbers in `[min, max]`; number-looking strings are accepted. */
export function number(min?: number, max?: number): Parser<number> {
	return (value) => {
		const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
		return typeof parsed === 'number' && Number.isFinite(parsed) && inRange(parsed, min, max)
			? ok(parsed)
			: err(`expected a number${rangeText(min, max)}, got ${describe(value)}`);
	};
}

const truthy = new Set(['true', 'yes', 'on']);
const falsy = new Set(['false', 'no', 'off']);

/** true or false; the strings `true`/`false`/`yes`/`no`/`on`/`off` (any case) too. */
export function parseBoolean(value: unknown): Result<boolean, string> {
	if (typeof value === 'boolean') {
		return ok(value);
	}

	const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
	if (truthy.has(word)) {
		return ok(true);
	}

	return falsy.has(word) ? ok(false) : err(`expected true or false, got ${describe(value)}`);
}

/** A non-empty string, e.g. a path or a command. */
export function parseText(value: unknown): Result<string, string> {
	if (typeof value !== 'string') {
		return err(`expected a string, got ${describe(value)}`);
	}

	return value.trim() === '' ? err(`expected a non-empty string, got ${describe(value)}`) : ok(value);
}

/** A user or group: a name, or a numeric id (kept as its decimal string). */
export function parseAccount(value: unknown): Result<string, string> {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
		return ok(String(value));
	}

	return typeof value === 'string' && value.trim() !== ''
		? ok(value.trim())
		: err(`expected a name or a numeric id, got ${describe(value)}`);
}

/** The same parser, also accepting an empty value (`key:` or `key: ~`) as null. */
export function nullable<T>(parse: Parser<T>): Parser<T | null> {
	return (value) => (value === null ? ok(null) : parse(value));
}
