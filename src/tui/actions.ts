/**
 * What a key asks of the daemon: an effect of the reducer becomes one `client.call`, and its
 * answer a line for the status bar. Nothing is asked afterwards: the transitions it causes come
 * as events with the tasks' documents.
 */
import type {TmClient} from '../core/client/seam.js';
import {messageOf, TmError} from '../core/errors.js';
import type {TaskActionResults} from '../core/ipc/methods.js';
import {RpcError, rpcErrorCodes} from '../core/ipc/protocol.js';
import type {Effect} from './state.js';

export type Notice = (text: string, error: boolean) => void;

/** True when the daemon answered "method not found" (-32601): it is older than this dashboard. */
export function isMethodNotFound(error: unknown): boolean {
	return error instanceof TmError && error.cause instanceof RpcError && error.cause.code === rpcErrorCodes.methodNotFound;
}

const pastTense: Record<string, string> = {
	start: 'started',
	stop: 'stopped',
	restart: 'restarted',
	pause: 'paused',
	resume: 'resumed',
	cancel: 'cancelled',
};

/** The status line for an action's answer. */
export function summarize(what: string, results: TaskActionResults['results']): {text: string; error: boolean} {
	const failed = results.filter(r => !r.ok);
	if (results.length === 1 && results[0]) {
		const r = results[0];
		return r.ok ? {text: `${what} ${r.name}: ${r.state}`, error: false} : {text: `${what} ${r.name} failed: ${r.error ?? r.state}`, error: true};
	}

	if (failed.length === 0) {
		return {text: `${what}: ${results.length} tasks ok`, error: false};
	}

	const first = failed[0]!;
	return {
		text: `${what}: ${results.length - failed.length} ok, ${failed.length} failed (${first.name}: ${first.error ?? first.state})`,
		error: true,
	};
}

/** Carries out an effect (an action on tasks) on `client`; what came of it goes to `notice`. */
export async function perform(client: TmClient | null, effect: Effect, notice: Notice): Promise<void> {
	if (effect.kind === 'quit') {
		return;
	}

	if (client === null) {
		notice('not connected to the daemon', true);
		return;
	}

	const method = effect.kind === 'signal' ? 'signal' : effect.verb;
	const target = effect.names.length === 1 ? effect.names[0]! : `${effect.names.length} tasks`;
	const label = effect.kind === 'signal' ? effect.signal : pastTense[effect.verb]!;
	notice(effect.kind === 'signal' ? `sending ${effect.signal} to ${target}…` : `${effect.verb} ${target}…`, false);
	try {
		const answer =
			effect.kind === 'signal'
				? await client.call('signal', {signal: effect.signal, names: effect.names})
				: await client.call(effect.verb, {names: effect.names, wait: true});
		const {text, error} = summarize(label, answer.results);
		notice(text, error);
	} catch (error) {
		notice(isMethodNotFound(error) ? `${method}: this daemon does not support it yet` : `${method} ${target}: ${messageOf(error)}`, true);
	}
}
