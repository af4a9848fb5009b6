/**
 * CORS for the origins `taskmaster.http_cors` lists (config/cors.ts), through hono's own
 * middleware: a preflight (OPTIONS) is answered with the methods the API has and the headers it
 * reads (the token travels as `Authorization`), and every answer to a listed origin says so in
 * `Access-Control-Allow-Origin` (that origin exactly) with `Vary: Origin`. Mounted only when the
 * list is not empty: without it, no CORS header at all. The guard has already refused every
 * other origin (403), and still asks for the token after this.
 *
 * No `Access-Control-Allow-Credentials`: a page of another origin must send the token as a
 * bearer, and a browser never shows it an answer the view's cookie bought.
 */
import type {HttpBindings} from '@hono/node-server';
import type {MiddlewareHandler} from 'hono';
import {cors} from 'hono/cors';

type Env = {Bindings: HttpBindings};

/** How long a browser may keep a preflight's answer, in seconds (Chromium keeps at most 2 h). */
const preflightSeconds = 600;

export function corsFor(origins: readonly string[]): MiddlewareHandler<Env> {
	const hono = cors({
		origin: [...origins],
		allowMethods: ['GET', 'HEAD', 'POST'],
		allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
		exposeHeaders: ['Location', 'Retry-After', 'WWW-Authenticate'],
		maxAge: preflightSeconds,
		credentials: false,
	});
	return async (c, next) => {
		const origin = c.req.header('origin');
		if (origin !== undefined && origins.includes(origin) && c.req.method !== 'OPTIONS') {
			// A stream (SSE) is written on node's response itself, past hono's: it needs them there.
			c.env.outgoing.setHeader('Access-Control-Allow-Origin', origin);
			c.env.outgoing.setHeader('Vary', 'Origin');
		}

		return hono(c, next);
	};
}
