/**
 * `/api/v1` on hono: every operation (task-ops.ts, daemon-ops.ts) routed with its checks in one
 * order: the guard's Host and Origin, CORS when `http_cors` lists origins (a preflight is
 * answered there, before any token), the guard's token, the body's size, the query and body
 * against the operation's schemas, then its handler; any error answers as JSON with its code
 * and status.
 * Mounted on the view's node:http server (server.ts) through @hono/node-server's listener.
 */
import {getRequestListener, type HttpBindings} from '@hono/node-server';
import {RESPONSE_ALREADY_SENT} from '@hono/node-server/utils/response';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {Hono, type Context} from 'hono';
import {bodyLimit} from 'hono/body-limit';
import {securityHeaders} from '../http.js';
import {openApiSchema} from './documents.js';
import {daemonOps} from './daemon-ops.js';
import {corsFor} from './cors.js';
import {guardPlace, guardToken, type GuardOptions} from './guard.js';
import {openApiDocument} from './openapi.js';
import {ok, op, parseBody, parseQuery, type ApiDeps, type Operation} from './operation.js';
import {ApiError, problemOf} from './problems.js';
import {taskOps} from './task-ops.js';

/** The largest body a request may have (a job with its env fits many times over). */
export const maxBodyBytes = 64 * 1024;

type Env = {Bindings: HttpBindings};

const openapiOp = op({
	id: 'openapi',
	method: 'get',
	path: '/openapi.json',
	summary: 'This document',
	tag: 'daemon',
	responses: {200: {description: 'the OpenAPI 3.1 document', schema: openApiSchema}},
	handle: () => ok(document),
});

export const operations: Operation[] = [...taskOps, ...daemonOps, openapiOp];
const document = openApiDocument(operations);

function answer(c: Context<Env>, status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return new Response(`${JSON.stringify(body)}\n`, {
		status,
		headers: {'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders, ...headers},
	});
}

function problem(c: Context<Env>, error: unknown): Response {
	const {status, doc} = problemOf(error);
	const headers: Record<string, string> = status === 401 ? {'WWW-Authenticate': 'Bearer realm="tm"'} : status === 429 ? {'Retry-After': '5'} : {};
	return answer(c, status, doc, headers);
}

/** Whether a body follows the headers: `curl -X POST` without data sends none (and no length). */
const hasBody = (request: IncomingMessage): boolean => request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

function route(app: Hono<Env>, operation: Operation, deps: ApiDeps): void {
	const path = `/api/v1${operation.path.replaceAll(/\{(\w+)\}/g, ':$1')}`;
	app.on(operation.method.toUpperCase(), path, async c => {
		const {incoming: request, outgoing: response} = c.env;
		const url = new URL(c.req.url);
		const query = operation.query === undefined ? undefined : parseQuery(operation.query, url.searchParams);
		const body = operation.body === undefined ? undefined : parseBody(operation.body, hasBody(request) ? await c.req.text() : '');
		const reply = await operation.handle({params: c.req.param() as Record<string, string>, query, body, exchange: {request, response, url}}, deps);
		return reply === 'sent' ? RESPONSE_ALREADY_SENT : answer(c, reply.status, reply.body, reply.headers);
	});
}

export type ApiOptions = ApiDeps & {guard: GuardOptions; onWarning?(message: string): void};

/** The API as a node:http request listener. */
export function apiListener(options: ApiOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
	const app = new Hono<Env>();
	app.use('*', async (c, next) => {
		guardPlace(c.env.incoming, options.guard);
		await next();
	});
	if (options.guard.origins.length > 0) {
		app.use('*', corsFor(options.guard.origins));
	}

	app.use('*', async (c, next) => {
		guardToken(c.env.incoming, new URL(c.req.url), options.guard);
		await next();
	});
	app.use('*', async (c, next) => (hasBody(c.env.incoming) ? limit(c, next) : next()));
	const limit = bodyLimit({maxSize: maxBodyBytes, onError: c => problem(c, new ApiError('E_TOO_LARGE', `the body is larger than ${maxBodyBytes} bytes`))});
	for (const operation of operations) {
		route(app, operation, options);
	}

	app.notFound(c => problem(c, new ApiError('E_NOT_FOUND', `no ${c.req.method} ${new URL(c.req.url).pathname} (GET /api/v1/openapi.json lists the API)`)));
	app.onError((error, c) => {
		const {status} = problemOf(error);
		if (status >= 500) {
			options.onWarning?.(`api: ${c.req.method} ${new URL(c.req.url).pathname}: ${error.message}`);
		}

		return problem(c, error);
	});
	return getRequestListener(app.fetch, {overrideGlobalObjects: false}) as (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}
