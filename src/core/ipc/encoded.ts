/**
 * A notification's line, made once however many clients it goes to: the daemon pushes the same
 * event document to every subscriber, so it is encoded once and the clients' queues share the
 * string.
 */
import {encode} from './line-codec.js';
import {notification} from './protocol.js';

const lines = new WeakMap<object, {method: string; line: string}>();

export function encodeNotification(method: string, params: unknown): string {
	if (typeof params !== 'object' || params === null) {
		return encode(notification(method, params));
	}

	const cached = lines.get(params);
	if (cached?.method === method) {
		return cached.line;
	}

	const line = encode(notification(method, params));
	lines.set(params, {method, line});
	return line;
}
