/**
 * Who may read the web view. With `http_token`, every request must carry it: as a bearer token
 * (`Authorization: Bearer …`, what Prometheus and curl send), as the `tm_token` cookie the page
 * gets, or once as `?token=` in a link a person opens (answered with the cookie and a redirect
 * that drops it from the address bar). Without a token (loopback only), the Host header must
 * name this machine, so a web page elsewhere cannot read the view through DNS rebinding.
 */
import {timingSafeEqual} from 'node:crypto';
import type {IncomingMessage} from 'node:http';
import {isLoopback} from '../config/daemon.js';

export const tokenCookie = 'tm_token';

export type Verdict = {ok: true; setCookie: boolean} | {ok: false; status: 401 | 403; why: string};

function same(given: string, token: string): boolean {
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: IncomingMessage): string | null {
	for (const part of (request.headers.cookie ?? '').split(';')) {
		const [name, ...value] = part.trim().split('=');
		if (name === tokenCookie) {
			try {
				return decodeURIComponent(value.join('='));
			} catch {
				return null;
			}
		}
	}

	return null;
}

/** The host part of a Host header: `[::1]:4242` → `::1`, `localhost:4242` → `localhost`. */
export function hostOf(header: string): string {
	const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(header);
	if (bracketed) {
		return bracketed[1] ?? '';
	}

	return header.replace(/:\d+$/, '').toLowerCase();
}

export function authorize(request: IncomingMessage, query: URLSearchParams, token: string | null, boundHost: string): Verdict {
	if (token === null) {
		const host = request.headers.host;
		if (host !== undefined && !isLoopback(hostOf(host)) && hostOf(host) !== boundHost.toLowerCase()) {
			return {ok: false, status: 403, why: `this view answers only to local names, not ${host}`};
		}

		return {ok: true, setCookie: false};
	}

	const header = request.headers.authorization ?? '';
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
	if (bearer !== undefined && same(bearer, token)) {
		return {ok: true, setCookie: false};
	}

	const cookie = cookieToken(request);
	if (cookie !== null && same(cookie, token)) {
		return {ok: true, setCookie: false};
	}

	const fromQuery = query.get('token');
	if (fromQuery !== null && same(fromQuery, token)) {
		return {ok: true, setCookie: true};
	}

	return {ok: false, status: 401, why: 'a token is needed: send Authorization: Bearer <http_token>, or open the page once with ?token=<http_token>'};
}

export function cookieHeader(token: string): string {
	return `${tokenCookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
