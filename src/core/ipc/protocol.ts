/**
 * The control socket's protocol (SPEC §8): JSON-RPC 2.0, one JSON object per line. Pure: the
 * message shapes, the error codes and how tm's errors cross the wire, request validation.
 * The framing lives in `line-codec.ts`, the method table in `methods.ts`; both are re-exported
 * here so callers import one module.
 */
import {TmError, type Result, type TmErrorCode} from '../errors.js';

export {defaultMaxLineBytes, encode, LineDecoder, type DecodedLine} from './line-codec.js';
export type * from './methods.js';

/** The protocol this build speaks; `hello` refuses any other. */
export const protocolVersion = 1;

/** A request id: JSON-RPC also allows null, tm does not. */
export type RpcId = number | string;

/** A call that expects a response. */
export type Request = {jsonrpc: '2.0'; id: RpcId; method: string; params?: unknown};

/** A message without an id: no response is sent, not even an error. */
export type Notification = {jsonrpc: '2.0'; method: string; params?: unknown};

/** The `error` member of an error response. */
export type RpcErrorObject = {code: number; message: string; data?: unknown};

export type SuccessResponse = {jsonrpc: '2.0'; id: RpcId; result: unknown};

/** `id` is null when the request's id could not be read (parse error, invalid request). */
export type ErrorResponse = {jsonrpc: '2.0'; id: RpcId | null; error: RpcErrorObject};

export type Response = SuccessResponse | ErrorResponse;

/** The standard JSON-RPC 2.0 error codes. */
export const rpcErrorCodes = {
	parseError: -32_700,
	invalidRequest: -32_600,
	methodNotFound: -32_601,
	invalidParams: -32_602,
	internalError: -32_603,
} as const;

/**
 * tm's own codes, in JSON-RPC's server-error range (-32000..-32099): one per {@link TmErrorCode}.
 * Numbers are part of the wire contract: append, never renumber.
 */
export const tmErrorCodes: Record<TmErrorCode, number> = {
	E_USAGE: -32_000,
	E_CONFIG_INVALID: -32_001,
	E_CONFIG_NOT_FOUND: -32_002,
	E_DAEMON_NOT_RUNNING: -32_003,
	E_DAEMON_RUNNING: -32_004,
	E_UNKNOWN_TASK: -32_005,
	E_SPAWN: -32_006,
	E_STORE: -32_007,
	E_PROTOCOL: -32_008,
	E_INTERNAL: -32_009,
	E_NO_SLOT: -32_010,
	E_OVER_CAPACITY: -32_011,
	E_CLUSTER: -32_012,
};

/** The inverse of {@link tmErrorCodes}: wire number → TmErrorCode. */
export const tmErrorCodesByNumber: ReadonlyMap<number, TmErrorCode> = new Map(
	Object.entries(tmErrorCodes).map(([code, number]) => [number, code as TmErrorCode]),
);

/** True for a string that is one of tm's error codes. */
export function isTmErrorCode(value: unknown): value is TmErrorCode {
	return typeof value === 'string' && Object.hasOwn(tmErrorCodes, value);
}

/**
 * An error with an explicit JSON-RPC code, for handlers (`new RpcError(-32602, 'names must be
 * an array of strings')`). Anything else a handler throws is a TmError (→ tm's code) or a bug
 * (→ -32603).
 */
export class RpcError extends Error {
	override readonly name = 'RpcError';
	readonly code: number;
	readonly data: unknown;

	constructor(code: number, message: string, data?: unknown) {
		super(message);
		this.code = code;
		this.data = data;
	}
}

/**
 * How a thrown value crosses the wire. A TmError keeps its code twice: as a number in
 * `code` and as a string in `data.code`, so a client rebuilds the same TmError. A plain error
 * becomes -32603 with `data.code` `E_INTERNAL`.
 */
export function errorObjectOf(error: unknown): RpcErrorObject {
	if (error instanceof TmError) {
		return {code: tmErrorCodes[error.code], message: error.message, data: {code: error.code}};
	}

	if (error instanceof RpcError) {
		return error.data === undefined
			? {code: error.code, message: error.message}
			: {code: error.code, message: error.message, data: error.data};
	}

	const message = error instanceof Error ? error.message : String(error);
	return {code: rpcErrorCodes.internalError, message: message || 'internal error', data: {code: 'E_INTERNAL'}};
}

/**
 * The TmError a client raises for an error response: the code from `data.code`, else from tm's
 * number range, else `E_PROTOCOL` (the standard JSON-RPC codes); the message is kept and the
 * error object is the cause (an {@link RpcError}).
 */
export function tmErrorOf(error: RpcErrorObject): TmError {
	const data: unknown = error.data;
	const named = typeof data === 'object' && data !== null ? (data as {code?: unknown}).code : undefined;
	const code = isTmErrorCode(named) ? named : (tmErrorCodesByNumber.get(error.code) ?? 'E_PROTOCOL');
	return new TmError(code, error.message, {cause: new RpcError(error.code, error.message, error.data)});
}

/** A success response. */
export function successResponse(id: RpcId, result: unknown): SuccessResponse {
	return {jsonrpc: '2.0', id, result: result === undefined ? null : result};
}

/** An error response. */
export function errorResponse(id: RpcId | null, error: RpcErrorObject): ErrorResponse {
	return {jsonrpc: '2.0', id, error};
}

/** A notification message. */
export function notification(method: string, params: unknown): Notification {
	return {jsonrpc: '2.0', method, params};
}

/** `text` cut to `max` characters with an ellipsis, for echoing peer input in messages. */
export function clip(text: string, max = 100): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `1 MiB`, `64 KiB`, `1000 bytes`: a limit in words. */
export function describeBytes(bytes: number): string {
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) {
		return `${bytes / (1024 * 1024)} MiB`;
	}

	if (bytes >= 1024 && bytes % 1024 === 0) {
		return `${bytes / 1024} KiB`;
	}

	return `${bytes} bytes`;
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is RpcId {
	return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string';
}

/**
 * Checks one parsed message against JSON-RPC 2.0: `jsonrpc` must be "2.0", `method` a
 * non-empty string, `id` (when present) a string or a finite number, `params` (when present)
 * an object or an array. Returns the request or notification, or the -32600 error response to
 * send (with the id when it could be read, else null). Unknown members are ignored.
 */
export function validateRequest(value: unknown): Result<Request | Notification, ErrorResponse> {
	const invalid = (id: RpcId | null, message: string): Result<never, ErrorResponse> => ({
		ok: false,
		error: errorResponse(id, {code: rpcErrorCodes.invalidRequest, message: `invalid request: ${message}`}),
	});
	if (!isRecord(value)) {
		return invalid(null, `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
	}

	const hasId = Object.hasOwn(value, 'id');
	const id = value['id'];
	if (hasId && !isId(id)) {
		return invalid(null, 'id must be a string or a number');
	}

	const replyId = hasId ? (id as RpcId) : null;
	if (value['jsonrpc'] !== '2.0') {
		return invalid(replyId, 'jsonrpc must be "2.0"');
	}

	const method = value['method'];
	if (typeof method !== 'string' || method.length === 0) {
		return invalid(replyId, 'method must be a non-empty string');
	}

	const params = value['params'];
	const hasParams = Object.hasOwn(value, 'params');
	if (hasParams && !(typeof params === 'object' && params !== null)) {
		return invalid(replyId, 'params must be an object or an array');
	}

	const message: Request | Notification = hasId
		? {jsonrpc: '2.0', id: id as RpcId, method, ...(hasParams ? {params} : {})}
		: {jsonrpc: '2.0', method, ...(hasParams ? {params} : {})};
	return {ok: true, value: message};
}

/** True for a validated message that expects a response. */
export function isRequest(message: Request | Notification): message is Request {
	return Object.hasOwn(message, 'id');
}
