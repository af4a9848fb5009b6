/**
 * One API operation, declared once: its method and path, the schemas of its query and body (the
 * OpenAPI document is made from them, and the same schemas check every request), the documents
 * it answers with, and its handler. The app routes these; openapi.ts describes them.
 */
import type {z} from 'zod';
import type {TmClient} from '../../client/seam.js';
import type {Clock} from '../../clock.js';
import type {Feed} from '../../feed/feed.js';
import type {Exchange} from '../http.js';
import type {Streams} from '../streams.js';
import {ApiError} from './problems.js';

/** What the history endpoints read from tm.db (the composition root opens it: core never touches the store). */
export type HistoryReader = (name: string | undefined, filter: {limit: number; since?: number; cause?: string}) => unknown;

export type ApiDeps = {
	client: TmClient;
	feed: Feed;
	clock: Clock;
	streams: Streams;
	logfile: string | null;
	history: HistoryReader;
};

/** An answer: a status and a JSON document, or 'sent' when the handler answered itself (a stream). */
export type Reply = {status: number; body: unknown; headers?: Record<string, string>} | 'sent';

export type Response = {description: string; schema?: z.ZodType; sse?: true};

type AnyObject = z.ZodObject;

export type Operation<Q extends AnyObject | undefined = AnyObject | undefined, B extends AnyObject | undefined = AnyObject | undefined> = {
	id: string;
	method: 'get' | 'post';
	/** OpenAPI style, under /api/v1: `/tasks/{name}`. */
	path: string;
	summary: string;
	tag: string;
	query?: Q;
	body?: B;
	responses: Record<number, Response>;
	handle(input: {params: Record<string, string>; query: Q extends AnyObject ? z.output<Q> : undefined; body: B extends AnyObject ? z.output<B> : undefined; exchange: Exchange}, deps: ApiDeps): Promise<Reply> | Reply;
};

/** Declares an operation, keeping its query and body types for its handler. */
export const op = <Q extends AnyObject | undefined = undefined, B extends AnyObject | undefined = undefined>(operation: Operation<Q, B>): Operation => operation as unknown as Operation;

export const sent: Reply = 'sent';

const ok = (body: unknown, headers?: Record<string, string>): Reply => ({status: 200, body, ...(headers ? {headers} : {})});
export {ok};

/** `where.field: what is wrong` for the first issue, so the answer names the thing to fix. */
function refusal(where: string, error: z.ZodError): ApiError {
	const issue = error.issues[0];
	if (issue?.code === 'unrecognized_keys') {
		const field = `${[where, ...issue.path].join('.')}.${issue.keys[0] ?? ''}`;
		return new ApiError('E_USAGE', `${field}: no such field (GET /api/v1/openapi.json lists the fields)`, {field});
	}

	const field = issue === undefined || issue.path.length === 0 ? where : `${where}.${issue.path.join('.')}`;
	return new ApiError('E_USAGE', `${field}: ${issue?.message ?? 'invalid'}`, {field});
}

/** Whether a query field takes several values (`?task=a&task=b`). */
function repeatable(schema: z.ZodType): boolean {
	const def = (schema as {def?: {type?: string; innerType?: z.ZodType}}).def;
	if (def?.type === 'optional' || def?.type === 'default') {
		return def.innerType !== undefined && repeatable(def.innerType);
	}

	return def?.type === 'array';
}

export function parseQuery<Q extends AnyObject>(schema: Q, query: URLSearchParams): z.output<Q> {
	const raw: Record<string, unknown> = {};
	for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
		if (repeatable(field)) {
			const values = query.getAll(key);
			if (values.length > 0) {
				raw[key] = values;
			}
		} else if (query.has(key)) {
			raw[key] = query.get(key);
		}
	}

	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		throw refusal('query', parsed.error);
	}

	return parsed.data;
}

export function parseBody<B extends AnyObject>(schema: B, text: string): z.output<B> {
	let value: unknown = {};
	if (text.trim() !== '') {
		try {
			value = JSON.parse(text);
		} catch (error) {
			throw new ApiError('E_USAGE', `the body is not JSON: ${(error as Error).message}`);
		}
	}

	const parsed = schema.safeParse(value);
	if (!parsed.success) {
		throw refusal('body', parsed.error);
	}

	return parsed.data;
}
