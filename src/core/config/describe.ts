/**
 * How a config value is quoted back in a message (`got "ten"`, `got a list`).
 */

const maxShown = 40;

/** A short description of a value as it appeared in the file, for `…, got <this>`. */
export function describe(value: unknown): string {
	if (value === null || value === undefined) {
		return 'an empty value';
	}

	if (typeof value === 'string') {
		const shown = value.length > maxShown ? `${value.slice(0, maxShown)}…` : value;
		return JSON.stringify(shown);
	}

	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
		return String(value);
	}

	if (Array.isArray(value)) {
		return 'a list';
	}

	return typeof value === 'object' ? 'a map' : String(value);
}
