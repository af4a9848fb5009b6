/**
 * From typed handlers to the socket's handler table: each method's params are validated by its
 * one schema (params.ts) before its handler runs, and every method but `run` starts from a
 * settled engine (Engine.settle): what earlier callbacks changed is written before a handler
 * reads or changes anything. `run` only adds, and its answer waits for the write, so runs that
 * arrive together share one transaction.
 */
import type {Engine} from '../engine.js';
import type {ConnectionContext, Handler, Handlers} from '../ipc/dispatch.js';
import type {Methods} from '../ipc/methods.js';
import {parseParams, type ParamsOf, type ValidatedMethod} from './params.js';

export type TypedHandler<M extends ValidatedMethod> = (params: ParamsOf<M>, context: ConnectionContext) => Methods[M]['result'] | Promise<Methods[M]['result']>;

export type TypedHandlers = {[M in ValidatedMethod]?: TypedHandler<M>};

export function toHandlers(engine: Engine, typed: TypedHandlers): Handlers {
	const table: Record<string, Handler> = {};
	for (const method of Object.keys(typed) as ValidatedMethod[]) {
		const handler = typed[method] as TypedHandler<typeof method> | undefined;
		if (handler === undefined) {
			continue;
		}

		const checked: Handler = (raw, context) => {
			const params = parseParams(method, raw);
			if (method !== 'run') {
				engine.settle();
			}

			return handler(params as never, context);
		};
		table[method] = checked;
	}

	return table as Handlers;
}
