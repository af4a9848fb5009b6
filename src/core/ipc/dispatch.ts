/**
 * From a validated message to its response: the built-in `hello`, the handler table, and how
 * whatever a handler throws becomes an error response. Never throws and never rejects.
 */
import {TmError} from '../errors.js';
import type {MethodName, Methods, NotificationName, Notifications} from './methods.js';
import {
	clip,
	errorObjectOf,
	errorResponse,
	isRecord,
	isRequest,
	protocolVersion,
	RpcError,
	rpcErrorCodes,
	successResponse,
	type Notification,
	type Request,
	type Response,
} from './protocol.js';

/** What a handler knows of, and can do to, the connection its request came on. */
export type ConnectionContext = {
	/** Unique within the server, from 1. */
	readonly id: number;
	/** The `client` name given in `hello`, or null before (hello is optional). */
	readonly client: string | null;
	/** True once the connection has closed; `notify` does nothing then. */
	readonly closed: boolean;
	/**
	 * Pushes a notification to this client. Returns false when it was not sent: the connection
	 * is closed, or the client reads too slowly and its queue is full (the drop is counted and
	 * reported to the client with a `dropped` notification once it catches up). Notifications
	 * pushed before a handler returns go out before its response. `items`: how many things it
	 * carries (a batch of log lines), which is what a drop counts.
	 */
	notify<N extends NotificationName>(method: N, params: Notifications[N], items?: number): boolean;
	/** Calls `listener` once when the connection closes (at once if it already has). */
	onClose(listener: () => void): void;
	/** Closes the connection after what is queued for it has been written. */
	close(): void;
};

/**
 * A method's implementation. `params` is what the client sent (`{}` when it sent none): check
 * it and throw `RpcError(rpcErrorCodes.invalidParams, …)` when it is wrong. Throw a TmError for
 * tm's failures (its code crosses the wire); anything else thrown becomes -32603.
 */
export type Handler<R = unknown> = (params: unknown, context: ConnectionContext) => R | Promise<R>;

/**
 * The daemon's methods: those of {@link Methods} are typed by their result; other names are
 * allowed too (methods not in the table yet). `hello` is built into the server.
 */
export type Handlers = {[M in Exclude<MethodName, 'hello'>]?: Handler<Methods[M]['result']>} & {
	[method: string]: Handler | undefined;
};

/** The connection as the dispatcher sees it: the handler's context plus the hello outcome. */
export type DispatchTarget = {context: ConnectionContext; setClient(name: string): void};

/** Options of {@link createDispatch}. */
export type DispatchOptions = {
	handlers: Handlers;
	/** tm's version, answered by `hello`. */
	version: string;
	/** The pid answered by `hello`. */
	pid: number;
	/** Called with what a handler threw that was neither a TmError nor an RpcError (a bug). */
	onError?: (error: unknown, method: string) => void;
};

/**
 * A response, or a promise of one; null for a notification (never answered). A handler that
 * returns a plain value is answered synchronously, so its response is queued before any
 * notification the daemon pushes after the handler returned (e.g. `subscribe`'s snapshot goes
 * out before the first event).
 */
export type Dispatch = (message: Request | Notification, target: DispatchTarget) => Response | null | Promise<Response | null>;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
	return (
		(typeof value === 'object' || typeof value === 'function') &&
		value !== null &&
		typeof (value as {then?: unknown}).then === 'function'
	);
}

/** The built-in `hello`: checks the protocol number and records the client's name. */
function hello(params: unknown, target: DispatchTarget, version: string, pid: number): Methods['hello']['result'] {
	if (!isRecord(params)) {
		throw new RpcError(rpcErrorCodes.invalidParams, 'hello: params must be an object {protocol, client}');
	}

	const {protocol, client} = params;
	if (typeof protocol !== 'number' || !Number.isInteger(protocol)) {
		throw new RpcError(rpcErrorCodes.invalidParams, 'hello: protocol must be an integer');
	}

	if (client !== undefined && typeof client !== 'string') {
		throw new RpcError(rpcErrorCodes.invalidParams, 'hello: client must be a string');
	}

	if (protocol !== protocolVersion) {
		throw new TmError('E_PROTOCOL', `protocol ${protocol} is not supported by this daemon (speaks ${protocolVersion})`);
	}

	target.setClient(clip(client ?? 'unknown'));
	return {protocol: protocolVersion, version, pid};
}

/** Builds the function that answers one message with the given handler table. */
export function createDispatch(options: DispatchOptions): Dispatch {
	const {handlers, version, pid, onError} = options;

	const failure = (message: Request | Notification, error: unknown): Response | null => {
		if (!(error instanceof TmError) && !(error instanceof RpcError)) {
			try {
				onError?.(error, message.method);
			} catch {
				// A failing error hook must not take the connection down.
			}
		}

		return isRequest(message) ? errorResponse(message.id, errorObjectOf(error)) : null;
	};

	const success = (message: Request | Notification, result: unknown): Response | null =>
		isRequest(message) ? successResponse(message.id, result) : null;

	return (message, target) => {
		const params = message.params ?? {};
		let outcome: unknown;
		try {
			if (message.method === 'hello') {
				outcome = hello(params, target, version, pid);
			} else {
				const handler = Object.hasOwn(handlers, message.method) ? handlers[message.method] : undefined;
				if (typeof handler !== 'function') {
					return isRequest(message)
						? errorResponse(message.id, {
								code: rpcErrorCodes.methodNotFound,
								message: `method not found: ${clip(message.method)}`,
							})
						: null;
				}

				outcome = handler(params, target.context);
			}
		} catch (error) {
			return failure(message, error);
		}

		if (!isPromiseLike(outcome)) {
			return success(message, outcome);
		}

		return Promise.resolve(outcome).then(
			result => success(message, result),
			(error: unknown) => failure(message, error),
		);
	};
}
