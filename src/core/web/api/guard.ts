/**
 * Who may ask the API what, in two steps with CORS's preflight between them (app.ts). First the
 * place: a request whose `Host` names another address, or whose `Origin` is neither this address
 * nor one `http_cors` lists, is refused (403): a page elsewhere cannot reach the API through DNS
 * rebinding. Then the token, which a preflight (OPTIONS) never carries. Reads need a token only
 * when the view needs one (`http_token` set: the bearer token, the view's cookie or `?token=`);
 * every mutation needs the token, always, and only as `Authorization: Bearer`: a cookie is never
 * enough, so no other site can make a browser act (no CSRF).
 */
import type {IncomingMessage} from 'node:http';
import {isLoopback} from '../../config/daemon.js';
import {authorize, hostOf} from '../auth.js';
import {sameToken} from '../token.js';
import {ApiError} from './problems.js';

export type GuardOptions = {
	/** `http_token` as configured: reads need it when set. */
	readToken: string | null;
	/** What every mutation needs: `http_token`, else the generated one. */
	token: string;
	/** The bound host (`127.0.0.1`, `::1`), or '' for every interface. */
	boundHost: string;
	port(): number;
	/** `http_cors`: other origins whose pages may call the API, as browsers write `Origin`. */
	origins: readonly string[];
};

/** Whether a host name is this view's: the bound address, or a loopback name when bound to loopback. */
function ours(host: string, bound: string): boolean {
	const name = host.toLowerCase();
	if (bound === '' || bound === '0.0.0.0' || bound === '::') {
		// Bound everywhere, reached by any name: the token (required there) is the guard.
		return true;
	}

	return name === bound.toLowerCase() || (isLoopback(bound) && isLoopback(name));
}

function checkOrigin(origin: string, options: GuardOptions): string | null {
	if (options.origins.includes(origin)) {
		return null;
	}

	let url: URL;
	try {
		url = new URL(origin);
	} catch {
		return `Origin ${origin} is not an address`;
	}

	const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
	const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
	if (ours(host, options.boundHost) && port === options.port()) {
		return null;
	}

	const who = options.origins.length > 0 ? `pages of this address and of ${options.origins.join(', ')} (taskmaster.http_cors)` : 'pages of this address (taskmaster.http_cors may list others)';
	return `requests from ${origin} are refused: only ${who} may call the API`;
}

export const isMutation = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/** Throws the ApiError that refuses `request` for where it comes from (Host, Origin), or returns when it may go on. */
export function guardPlace(request: IncomingMessage, options: GuardOptions): void {
	const host = request.headers.host;
	if (host !== undefined && !ours(hostOf(host), options.boundHost)) {
		throw new ApiError('E_FORBIDDEN', `this API answers only to its own address, not Host ${host}`);
	}

	const origin = request.headers.origin;
	if (origin !== undefined) {
		const refused = checkOrigin(origin, options);
		if (refused !== null) {
			throw new ApiError('E_FORBIDDEN', refused);
		}
	}
}

/** Throws the ApiError that refuses `request` for want of the token, or returns when it may go on. */
export function guardToken(request: IncomingMessage, url: URL, options: GuardOptions): void {
	const method = request.method ?? 'GET';
	if (!isMutation(method)) {
		const verdict = authorize(request, url.searchParams, options.readToken, options.boundHost);
		if (!verdict.ok) {
			throw new ApiError(verdict.status === 401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', verdict.why);
		}

		return;
	}

	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
	if (bearer === undefined) {
		throw new ApiError('E_UNAUTHORIZED', `${method} needs the token: send Authorization: Bearer <token> (tm web token prints it)`);
	}

	if (!sameToken(bearer, options.token)) {
		throw new ApiError('E_UNAUTHORIZED', 'wrong token: tm web token prints the one in force');
	}
}
