/**
 * The API's errors: the CLI's stable codes (src/core/errors.ts) with the HTTP status each fits,
 * plus the few only HTTP has (a missing token, a refused Host, a body too large, too many
 * streams, a state conflict). The document is the CLI's own: `{"error": {code, message, …}}`.
 */
import {messageOf, TmError, type TmErrorCode} from '../../errors.js';

/** Codes only the HTTP API answers with; every other code is one of the CLI's. */
export type HttpOnlyCode = 'E_UNAUTHORIZED' | 'E_FORBIDDEN' | 'E_NOT_FOUND' | 'E_TOO_LARGE' | 'E_TOO_MANY' | 'E_CONFLICT';

export type ApiErrorCode = TmErrorCode | HttpOnlyCode;

export const httpOnlyStatus: Record<HttpOnlyCode, number> = {
	E_UNAUTHORIZED: 401,
	E_FORBIDDEN: 403,
	E_NOT_FOUND: 404,
	E_CONFLICT: 409,
	E_TOO_LARGE: 413,
	E_TOO_MANY: 429,
};

const tmStatus: Record<TmErrorCode, number> = {
	E_USAGE: 400,
	E_PROTOCOL: 400,
	E_CONFIG_INVALID: 400,
	E_OVER_CAPACITY: 400,
	E_CONFIG_NOT_FOUND: 404,
	E_UNKNOWN_TASK: 404,
	// No slot now for a `noQueue` job: the machine's state, not the request, says no.
	E_NO_SLOT: 409,
	E_DAEMON_RUNNING: 409,
	E_SPAWN: 500,
	E_INTERNAL: 500,
	E_STORE: 503,
	E_DAEMON_NOT_RUNNING: 503,
	E_CLUSTER: 503,
};

export const statusOf = (code: ApiErrorCode): number => (code in httpOnlyStatus ? httpOnlyStatus[code as HttpOnlyCode] : tmStatus[code as TmErrorCode]);

/** An error the API answers with. */
export class ApiError extends Error {
	override readonly name = 'ApiError';
	readonly code: ApiErrorCode;
	readonly details: Record<string, unknown>;

	constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
		super(message);
		this.code = code;
		this.details = details;
	}

	get status(): number {
		return statusOf(this.code);
	}
}

export type ErrorDoc = {error: {code: ApiErrorCode; message: string; [key: string]: unknown}};

/** What any thrown value answers: its status and document. */
export function problemOf(error: unknown): {status: number; doc: ErrorDoc} {
	if (error instanceof ApiError) {
		return {status: error.status, doc: {error: {code: error.code, message: error.message, ...error.details}}};
	}

	if (error instanceof TmError) {
		return {status: statusOf(error.code), doc: {error: {code: error.code, message: error.message, ...error.details}}};
	}

	return {status: 500, doc: {error: {code: 'E_INTERNAL', message: messageOf(error)}}};
}
