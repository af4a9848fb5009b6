/**
 * One validator per method: the params each method accepts, as zod schemas, so a handler gets
 * typed values and never casts. A refusal names the field and what it must be
 * (`params.names must be a list of task names`), with the JSON-RPC code -32602. Unknown fields
 * are ignored (a newer client may send more).
 */
import {z} from 'zod';
import {numprocsLimit} from '../config/defaults.js';
import type {MethodName, Methods} from '../ipc/methods.js';
import {RpcError, rpcErrorCodes} from '../ipc/protocol.js';

type Fields = Record<string, [z.ZodType, string]>;

/**
 * An object schema whose fields each carry what they must be, for the refusal's words. Fields
 * not named pass through untouched (a newer client may send more; `run` checks its own).
 */
function params<F extends Fields>(fields: F): {schema: z.ZodObject<{[K in keyof F]: F[K][0]}>; must: Record<string, string>} {
	const shape = Object.fromEntries(Object.entries(fields).map(([key, [schema]]) => [key, schema])) as {[K in keyof F]: F[K][0]};
	const must = Object.fromEntries(Object.entries(fields).map(([key, [, text]]) => [key, text]));
	return {schema: z.looseObject(shape) as unknown as z.ZodObject<{[K in keyof F]: F[K][0]}>, must};
}

const names: [z.ZodType<string[]>, string] = [z.array(z.string()), 'a list of task names'];
const wait: [z.ZodType<boolean | undefined>, string] = [z.boolean().optional(), 'true or false'];
const taskName: [z.ZodType<string>, string] = [z.string().min(1), 'a task name or id'];
const lineCount = z.number().int().min(0);

const actions = params({names, wait});
// The values themselves are checked against the clock where they are used (delays.ts).
const delayMs: [z.ZodType<number | undefined>, string] = [z.number().min(0).optional(), 'a number of milliseconds ≥ 0'];
const at: [z.ZodType<string | undefined>, string] = [z.string().optional(), 'an ISO-8601 time with its offset'];
const none = params({});

/** The validators, by method: what is not listed here takes params as they come. */
export const paramSchemas = {
	status: params({names: [names[0].optional(), names[1]]}),
	start: actions,
	stop: actions,
	restart: actions,
	cancel: params({names}),
	retry: params({names, delayMs, at}),
	fail: params({names, reason: [z.string().max(1000).optional(), 'a text of at most 1000 characters']}),
	pause: params({names}),
	resume: params({names}),
	// The signal's name is checked by the config's own rule (E_USAGE, like `tm signal`).
	signal: params({names, signal: [z.unknown(), 'a signal name']}),
	reload: params({dryRun: [z.boolean().optional(), 'true or false']}),
	scale: params({
		program: [z.string().min(1).optional(), 'a program name'],
		count: [z.number().int().min(0).max(numprocsLimit).optional(), `a whole number of instances from 0 to ${numprocsLimit}`],
		slots: [z.number().int().min(1).optional(), 'a whole number of slots ≥ 1'],
	}),
	describe: params({name: taskName}),
	wait: params({name: taskName}),
	tasks: params({states: [z.array(z.string()).optional(), 'a list of states'], cluster: [z.boolean().optional(), 'true or false']}),
	hosts: none,
	clusterQueue: none,
	notify: params({task: taskName, lines: [z.array(z.string()), 'a list of lines such as "WATCHDOG=1"']}),
	logs: params({
		name: [z.string(), 'a task name'],
		lines: [lineCount.optional(), 'a whole number ≥ 0'],
		stream: [z.enum(['stdout', 'stderr', 'both']).optional(), 'stdout, stderr or both'],
		follow: [z.boolean().optional(), 'true or false'],
		after: [lineCount.optional(), 'a line number ≥ 0'],
		batch: [z.boolean().optional(), 'true or false'],
	}),
	// A job's fields are checked, each by name, where it becomes a spec (jobs.ts).
	run: params({argv: [z.unknown(), 'a list of strings']}),
	queue: none,
	subscribe: none,
	shutdown: none,
	alertTest: none,
} satisfies Partial<Record<MethodName, ReturnType<typeof params>>>;

export type ValidatedMethod = keyof typeof paramSchemas;

/** The params of `method` as its handler gets them. */
export type ParamsOf<M extends ValidatedMethod> = Methods[M]['params'] & z.infer<(typeof paramSchemas)[M]['schema']>;

/** Checks `raw` against `method`'s schema; throws -32602 naming the first field that is wrong. */
export function parseParams<M extends ValidatedMethod>(method: M, raw: unknown): ParamsOf<M> {
	const {schema, must} = paramSchemas[method];
	const result = schema.safeParse(raw ?? {});
	if (result.success) {
		return result.data as ParamsOf<M>;
	}

	const issue = result.error.issues[0];
	const key = issue?.path[0];
	if (typeof key !== 'string') {
		const fields = Object.keys(must);
		throw new RpcError(rpcErrorCodes.invalidParams, fields.length > 0 ? `params must be an object with ${fields.join(', ')}` : 'params must be an object');
	}

	throw new RpcError(rpcErrorCodes.invalidParams, `params.${key} must be ${must[key] ?? 'valid'}`);
}
