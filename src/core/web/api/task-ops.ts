/**
 * The tasks' operations: the list and one task (the SPEC §6 documents, with `cause`), its log
 * (the tail, and following as SSE), its history, and the actions on it (start, stop, restart,
 * signal, and a job's cancel, retry, pause, resume). Each asks the daemon's methods through the
 * client seam, as `tm` does.
 */
import {z} from 'zod';
import type {CallMethod} from '../../client/seam.js';
import type {TaskActionResults} from '../../ipc/methods.js';
import {parseCause, parseSince} from '../../event-filters.js';
import {taskLogStream} from '../log-routes.js';
import {actionResultsSchema, conflictSchema, logsSchema, stateSchema, taskDetailSchema, taskHistorySchema, tasksSchema} from './documents.js';
import {ok, op, sent, type Operation} from './operation.js';
import {ApiError} from './problems.js';
import {admitStream} from './streams-gate.js';

const lines = z.coerce.number().int().min(0).max(5000).optional().describe('how many of the last lines (default 200)');
const stream = z.enum(['stdout', 'stderr']).optional().describe('one stream; both when absent');

/** `?limit&since&cause`: the audit trail's filter, as `tm history` takes it. */
export const historyQuery = z.object({
	limit: z.coerce.number().int().min(1).max(10_000).optional().describe('how many runs and events (default 20)'),
	since: z.string().optional().describe('a duration back from now (1h, 30m) or a time (2026-11-23T10:00)'),
	cause: z.string().optional().describe('only events with this cause (docs/cli-json.md#causes)'),
});

export function historyFilter(query: z.output<typeof historyQuery>, now: number): {limit: number; since?: number; cause?: string} {
	return {
		limit: query.limit ?? 20,
		...(query.since === undefined ? {} : {since: parseSince(query.since, now)}),
		...(query.cause === undefined ? {} : {cause: parseCause(query.cause)}),
	};
}

/** An action's answer: 200 when it did what was asked for every task, else 409 with the outcomes. */
function actionReply(answer: TaskActionResults, action: string): ReturnType<typeof ok> {
	const failed = answer.results.filter(result => !result.ok);
	if (failed.length === 0) {
		return ok(answer);
	}

	const why = failed.map(result => `${result.name}: ${result.error ?? result.state}`).join('; ');
	throw new ApiError('E_CONFLICT', `${action} did not happen: ${why}`, {results: answer.results});
}

const waitBody = z.strictObject({wait: z.boolean().optional().describe('wait until done (default true), as `tm start` does')});

type ActionMethod = Extract<CallMethod, 'start' | 'stop' | 'restart' | 'cancel' | 'pause' | 'resume'>;

const summaries: Record<ActionMethod, string> = {
	start: 'Start a task, a program (every instance), `all` or a `group:*` glob',
	stop: 'Stop it, gracefully (stopsignal, then SIGKILL after stoptime)',
	restart: 'Stop it and start it again',
	cancel: 'Cancel a job: stopped, and never started again',
	pause: 'SIGSTOP it (paused)',
	resume: 'SIGCONT it',
};

const results = {200: {description: 'done for every task named', schema: actionResultsSchema}, 409: {description: 'not done for some (E_CONFLICT): `error.results` says why each', schema: conflictSchema}};

function action(method: ActionMethod): Operation {
	const waits = method === 'start' || method === 'stop' || method === 'restart';
	return op({
		id: `${method}Task`,
		method: 'post',
		path: `/tasks/{name}/${method}`,
		summary: summaries[method],
		tag: waits ? 'programs' : 'jobs',
		body: waitBody,
		responses: results,
		async handle({params, body}, {client}) {
			const names = [params['name'] ?? ''];
			const answer = await client.call(method, waits ? {names, wait: body.wait ?? true} : {names});
			return actionReply(answer, method);
		},
	});
}

export const taskOps: Operation[] = [
	op({
		id: 'listTasks',
		method: 'get',
		path: '/tasks',
		summary: 'The live list, as `tm tasks --json`',
		tag: 'tasks',
		query: z.object({state: z.array(stateSchema).optional().describe('only these states (repeatable)')}),
		responses: {200: {description: 'the tasks', schema: tasksSchema}},
		handle: async ({query}, {client}) => ok(await client.call('tasks', query.state === undefined ? {} : {states: query.state})),
	}),
	op({
		id: 'getTask',
		method: 'get',
		path: '/tasks/{name}',
		summary: 'One task with its spec, as `tm status NAME --json`',
		tag: 'tasks',
		responses: {200: {description: 'the task', schema: taskDetailSchema}},
		handle: async ({params}, {client}) => ok(await client.call('describe', {name: params['name'] ?? ''})),
	}),
	op({
		id: 'taskLogs',
		method: 'get',
		path: '/tasks/{name}/logs',
		summary: "A task's last lines of output (kept in the daemon's memory: the last 1,000)",
		tag: 'logs',
		query: z.object({lines, stream}),
		responses: {200: {description: 'the lines, oldest first', schema: logsSchema}},
		async handle({params, query}, {client}) {
			const {id} = await client.call('describe', {name: params['name'] ?? ''});
			const {lines: found} = await client.call('logs', {name: id, lines: query.lines ?? 200, ...(query.stream === undefined ? {} : {stream: query.stream})});
			return ok({task: id, lines: found});
		},
	}),
	op({
		id: 'followTaskLogs',
		method: 'get',
		path: '/tasks/{name}/logs/stream',
		summary: "A task's lines as Server-Sent Events: the tail, then each new line; resumable with Last-Event-ID (the line's seq)",
		tag: 'logs',
		query: z.object({lines, stream}),
		responses: {200: {description: 'an event stream: each `data` a LogLine, its `id` the seq', sse: true}},
		async handle({params, exchange}, deps) {
			const {id} = await deps.client.call('describe', {name: params['name'] ?? ''});
			admitStream(deps.streams);
			await taskLogStream(deps, exchange, id);
			return sent;
		},
	}),
	op({
		id: 'taskHistory',
		method: 'get',
		path: '/tasks/{name}/history',
		summary: "A task's runs and events from tm.db, newest first, as `tm history NAME --json`",
		tag: 'history',
		query: historyQuery,
		responses: {200: {description: 'its runs and events', schema: taskHistorySchema}},
		handle: ({params, query}, {history, clock}) => ok(history(params['name'] ?? '', historyFilter(query, clock.now()))),
	}),
	...(['start', 'stop', 'restart', 'cancel', 'pause', 'resume'] as const).map(method => action(method)),
	op({
		id: 'signalTask',
		method: 'post',
		path: '/tasks/{name}/signal',
		summary: "Send a signal to a task's process group",
		tag: 'programs',
		body: z.strictObject({signal: z.string().min(1).describe('TERM, HUP, USR1, KILL… (with or without SIG)')}),
		responses: results,
		handle: async ({params, body}, {client}) => actionReply(await client.call('signal', {names: [params['name'] ?? ''], signal: body.signal}), 'signal'),
	}),
	op({
		id: 'retryTask',
		method: 'post',
		path: '/tasks/{name}/retry',
		summary: 'Put a failed (or stopped) job back in the queue',
		tag: 'jobs',
		body: z.strictObject({delayMs: z.number().min(0).optional(), at: z.string().optional().describe('ISO-8601 with its offset')}),
		responses: results,
		handle: async ({params, body}, {client}) => actionReply(await client.call('retry', {names: [params['name'] ?? ''], ...body}), 'retry'),
	}),
];
