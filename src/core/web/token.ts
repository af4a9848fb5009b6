/**
 * The token every mutation of the HTTP API needs: `http_token` when the config sets it, else one
 * made at the first start into `$TM_HOME/http.token` (mode 0600) and kept across restarts, so a
 * person reads it once (`tm web token`). Compared in constant time.
 */
import {randomBytes, timingSafeEqual} from 'node:crypto';
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {TmError, messageOf} from '../errors.js';
import {httpTokenPath} from '../paths.js';

/** The token file's text, trimmed; null when there is none yet. */
export function readTokenFile(home: string): string | null {
	try {
		const text = readFileSync(httpTokenPath(home), 'utf8').trim();
		return text === '' ? null : text;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return null;
		}

		throw new TmError('E_STORE', `cannot read ${httpTokenPath(home)}: ${messageOf(error)}`);
	}
}

/** The token in force: the configured one, else the file's, made now when there is none. */
export function ensureToken(home: string, configured: string | null): string {
	if (configured !== null) {
		return configured;
	}

	const file = httpTokenPath(home);
	const existing = readTokenFile(home);
	if (existing !== null) {
		// A file made by hand (or an older umask) may be open to others: the token is a password.
		chmodSync(file, 0o600);
		return existing;
	}

	const token = randomBytes(24).toString('hex');
	try {
		writeFileSync(file, `${token}\n`, {mode: 0o600, flag: 'wx'});
	} catch (error) {
		// Another writer won the race: its token is the one.
		const raced = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readTokenFile(home) : null;
		if (raced !== null) {
			return raced;
		}

		throw new TmError('E_STORE', `cannot write the HTTP token to ${file}: ${messageOf(error)}`);
	}

	return token;
}

/** Whether `given` is `token`, in time that does not depend on where they differ. */
export function sameToken(given: string, token: string): boolean {
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	// Lengths differ: compare b with itself so the time spent does not tell the length either.
	return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b);
}
