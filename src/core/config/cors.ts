/**
 * `taskmaster.http_cors: [https://ops.example.com, …]`: the web pages of other origins that may
 * call `/api/v1` from a browser (CORS). Absent, the API sends no CORS headers and refuses every
 * foreign `Origin` (403), as it does against DNS rebinding. Each entry is kept as a browser
 * writes it in `Origin` (`URL.origin`: lower case, no default port), so the check is one
 * string comparison.
 *
 * `*` is refused: reads on a loopback address need no token, so `*` would let any page the
 * operator opens read every task and its logs. `null` is refused too: it is the origin of
 * sandboxed frames and local files, which any page can make.
 */
import {err, ok, type Result} from '../errors.js';
import {describe} from './describe.js';
import type {Parser} from './scalars.js';

const example = 'https://ops.example.com';

/** One origin: `scheme://host[:port]`, http or https, nothing after it but an optional `/`. */
export function parseOrigin(value: unknown): Result<string, string> {
	if (typeof value !== 'string' || value.trim() === '') {
		return err(`expected an origin like ${example}, got ${describe(value)}`);
	}

	const text = value.trim();
	if (text === '*') {
		return err(`"*" would let every web site read this API from a browser on this machine (reads on loopback need no token); list the origins that may call it, like ${example}`);
	}

	if (text.toLowerCase() === 'null') {
		return err(`"null" is the origin of sandboxed frames and local files, which any page can make; list real origins, like ${example}`);
	}

	if (text.includes('*')) {
		return err(`${describe(value)}: wildcards are not supported; list each origin, like ${example}`);
	}

	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return err(`${describe(value)} is not an origin: write scheme://host[:port], like ${example}`);
	}

	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		return err(`${describe(value)}: only http:// and https:// pages can call the API; write scheme://host[:port], like ${example}`);
	}

	const extra = url.username !== '' || url.password !== '' ? 'a user' : url.pathname !== '/' ? `a path (${url.pathname})` : url.search !== '' ? 'a query' : url.hash !== '' ? 'a fragment' : null;
	if (extra !== null) {
		return err(`${describe(value)} has ${extra}: an origin is scheme://host[:port] only, like ${example}`);
	}

	return ok(url.origin);
}

/** One origin or a list of them; each kept once, as a browser writes it. */
export const parseCorsOrigins: Parser<string[]> = (value) => {
	const items = Array.isArray(value) ? (value as unknown[]) : [value];
	const origins: string[] = [];
	for (const item of items) {
		const origin = parseOrigin(item);
		if (!origin.ok) {
			return origin;
		}

		if (!origins.includes(origin.value)) {
			origins.push(origin.value);
		}
	}

	return ok(origins);
};
