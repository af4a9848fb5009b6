/**
 * A remote daemon's address: `ssh://[user@]host[:port][?home=DIR|socket=PATH][&tm=PATH]`, as
 * `--host`, `TM_HOST` and `tm host add` take it. Pure: parsing and naming only.
 */
import {TmError} from '../errors.js';

export type SshTarget = {
	/** As given (normalised): what `tm host ls` shows and messages name. */
	url: string;
	/** What the HOST column shows: the name of a named host, else `[user@]host[:port]`. */
	label: string;
	user: string | null;
	host: string;
	port: number | null;
	/** The remote daemon's home or socket (neither: the remote tm's defaults). */
	home: string | null;
	socket: string | null;
	/** The remote tm: a path, or `tm` from the remote PATH. */
	tm: string;
};

const known = new Set(['home', 'socket', 'tm']);

const usage = (text: string, why: string): TmError =>
	new TmError('E_USAGE', `--host ${text}: ${why} (expected ssh://[user@]host[:port][?home=DIR|socket=PATH][&tm=PATH], or a name from tm host ls)`);

/** Parses an `ssh://` address; throws E_USAGE naming what is wrong. */
export function parseSshUrl(text: string, name?: string): SshTarget {
	if (!text.startsWith('ssh://')) {
		throw usage(text, 'not an ssh:// address');
	}

	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw usage(text, 'not a valid address');
	}

	if (url.hostname === '') {
		throw usage(text, 'no host');
	}

	if (url.pathname !== '' && url.pathname !== '/') {
		throw usage(text, `a path (${url.pathname}) means nothing here; give the remote socket as ?socket=PATH`);
	}

	if (url.password !== '') {
		throw usage(text, 'no passwords in the address: ssh asks its agent or keys');
	}

	for (const key of url.searchParams.keys()) {
		if (!known.has(key)) {
			throw usage(text, `unknown parameter ${key}`);
		}
	}

	const home = url.searchParams.get('home') || null;
	const socket = url.searchParams.get('socket') || null;
	if (home !== null && socket !== null) {
		throw usage(text, 'give home or socket, not both');
	}

	const user = url.username === '' ? null : decodeURIComponent(url.username);
	const port = url.port === '' ? null : Number(url.port);
	const where = `${user === null ? '' : `${user}@`}${url.hostname}${port === null ? '' : `:${port}`}`;
	return {
		url: `ssh://${where}${url.search}`,
		label: name ?? where,
		user,
		// ssh takes an IPv6 address without its brackets.
		host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
		port,
		home,
		socket,
		tm: url.searchParams.get('tm') || 'tm',
	};
}

/** Whether `text` names a host rather than giving its address: letters, digits, `.`, `_`, `-`. */
export function isHostName(text: string): boolean {
	return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text) && text !== 'all';
}
