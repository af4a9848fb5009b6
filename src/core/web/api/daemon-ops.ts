/**
 * The machine's operations: submit a job, scale a program or the slots, the queue, the host, the
 * status, reload (with a dry run), the audit trail across tasks, the daemon log, the events as
 * SSE (all, or some tasks' rooms), and health for load balancers.
 */
import {z} from 'zod';
import {labelProblem, maxLabelLength} from '../../job-label.js';
import {nameMatcher} from '../../task-names.js';
import {eventStream} from '../event-stream.js';
import {daemonLogJson} from '../log-routes.js';
import {healthz} from '../health.js';
import {daemonLogSchema, historySchema, hostSchema, queueSchema, reloadSchema, scaledSchema, statusSchema, submittedSchema, healthSchema} from './documents.js';
import {ok, op, sent, type Operation} from './operation.js';
import {ApiError} from './problems.js';
import {admitStream} from './streams-gate.js';
import {historyFilter, historyQuery} from './task-ops.js';

const ms = (what: string) => z.number().int().min(0).optional().describe(`${what}, in milliseconds`);

/** The fields of `tm run`, as JSON: the socket's `run` params (src/core/ipc/methods.ts RunParams). */
export const jobBody = z.strictObject({
	argv: z.array(z.string()).min(1).optional().describe('the command and its arguments, run without a shell'),
	command: z.string().min(1).optional().describe('one command line, run by /bin/sh -c (instead of argv)'),
	name: z.string().optional().describe("what it goes by: letters, digits, '.', '_', '@', '-'"),
	label: z
		.string()
		.max(maxLabelLength)
		.superRefine((text, ctx) => {
			const problem = labelProblem(text);
			if (problem !== null) {
				ctx.addIssue({code: 'custom', message: problem});
			}
		})
		.optional()
		.describe('free text shown beside its name (any printable text, one line); it addresses nothing'),
	priority: z.number().int().optional(),
	after: z.array(z.string()).optional().describe('ids or names that must succeed first'),
	retries: z.number().int().min(0).optional(),
	retryOnTimeout: z.boolean().optional(),
	noQueue: z.boolean().optional().describe('start now or not at all (409 E_NO_SLOT)'),
	maxRuntimeMs: ms('the longest it may run'),
	watchdogMs: ms('the heartbeat timeout'),
	maxMemory: z.number().int().min(1).optional().describe('bytes of resident memory'),
	memory: z.number().int().min(0).optional().describe('bytes of memory it is admitted for'),
	cpus: z.number().min(0).optional(),
	maxCpu: z.number().min(0).optional(),
	cwd: z.string().optional().describe('absolute'),
	env: z.record(z.string(), z.string()).optional(),
	stopSignal: z.string().optional(),
	stopTimeoutMs: ms('between the stop signal and SIGKILL'),
	delayMs: ms('not before this long from now'),
	at: z.string().optional().describe('not before this time (ISO-8601 with its offset)'),
});

const submit = op({
	id: 'submitJob',
	method: 'post',
	path: '/jobs',
	summary: 'Submit a job (`tm run`): persisted before the answer',
	tag: 'jobs',
	body: jobBody,
	responses: {201: {description: 'submitted; Location is the task', schema: submittedSchema}},
	async handle({body}, {client}) {
		const {command, argv, ...rest} = body;
		if ((command === undefined) === (argv === undefined)) {
			throw new ApiError('E_USAGE', 'body: give the command as argv (a list) or command (one line for /bin/sh), one of the two', {field: 'body.argv'});
		}

		const params = command === undefined ? {...rest, argv: argv ?? []} : {...rest, argv: [command], shell: true};
		const submitted = await client.call('run', params);
		return {status: 201, body: submitted, headers: {Location: `/api/v1/tasks/${encodeURIComponent(submitted.id)}`}};
	},
});

export const daemonOps: Operation[] = [
	submit,
	op({
		id: 'scaleProgram',
		method: 'post',
		path: '/programs/{name}/scale',
		summary: "A program's instance count until the config's changes (`tm scale`)",
		tag: 'programs',
		body: z.strictObject({count: z.number().int().min(0)}),
		responses: {200: {description: 'what changed', schema: scaledSchema}},
		handle: async ({params, body}, {client}) => ok(await client.call('scale', {program: params['name'] ?? '', count: body.count})),
	}),
	op({
		id: 'scaleSlots',
		method: 'post',
		path: '/slots',
		summary: 'The slots (max_running) until the config changes (`tm scale --slots`)',
		tag: 'programs',
		body: z.strictObject({slots: z.number().int().min(1)}),
		responses: {200: {description: 'what changed', schema: scaledSchema}},
		handle: async ({body}, {client}) => ok(await client.call('scale', {slots: body.slots})),
	}),
	op({
		id: 'reload',
		method: 'post',
		path: '/reload',
		summary: 'Re-read the config: start added, stop removed, restart changed programs; the plan only with dryRun',
		tag: 'daemon',
		body: z.strictObject({dryRun: z.boolean().optional()}),
		responses: {200: {description: 'the plan, and whether it was applied', schema: reloadSchema}},
		handle: async ({body}, {client}) => ok(await client.call('reload', body.dryRun === undefined ? {} : {dryRun: body.dryRun})),
	}),
	op({
		id: 'status',
		method: 'get',
		path: '/status',
		summary: 'The daemon, every task and the host, as `tm status --json`',
		tag: 'daemon',
		responses: {200: {description: 'the status', schema: statusSchema}},
		handle: async (_input, {client}) => ok(await client.call('status', {})),
	}),
	op({
		id: 'queue',
		method: 'get',
		path: '/queue',
		summary: 'The waiting tasks in start order, with what each waits for (`tm queue`)',
		tag: 'jobs',
		responses: {200: {description: 'the queue', schema: queueSchema}},
		handle: async (_input, {client}) => ok(await client.call('queue', {})),
	}),
	op({
		id: 'host',
		method: 'get',
		path: '/host',
		summary: 'The machine: load, CPUs, memory, disk (null before the first sample)',
		tag: 'daemon',
		responses: {200: {description: 'the host', schema: z.looseObject({host: hostSchema.nullable()})}},
		handle: async (_input, {client}) => ok({host: (await client.call('status', {})).host ?? null}),
	}),
	op({
		id: 'history',
		method: 'get',
		path: '/history',
		summary: "Every task's events from tm.db, newest first (`tm history --all`)",
		tag: 'history',
		query: historyQuery,
		responses: {200: {description: 'the events, each with its task name', schema: historySchema}},
		handle: ({query}, {history, clock}) => ok(history(undefined, historyFilter(query, clock.now()))),
	}),
	op({
		id: 'daemonLog',
		method: 'get',
		path: '/daemon-log',
		summary: "The daemon log's last lines, each parsed from JSON",
		tag: 'logs',
		query: z.object({lines: z.coerce.number().int().min(0).max(5000).optional()}),
		responses: {200: {description: 'the lines', schema: daemonLogSchema}},
		async handle({exchange}, deps) {
			await daemonLogJson(deps, exchange);
			return sent;
		},
	}),
	op({
		id: 'events',
		method: 'get',
		path: '/events',
		summary: 'State changes as Server-Sent Events; `task` (repeatable) for only those tasks; resumable with Last-Event-ID',
		tag: 'events',
		query: z.object({
			task: z.array(z.string()).optional().describe('an id, a program, a job name or a glob (web:*)'),
			snapshot: z.enum(['0', '1', 'true', 'false']).optional(),
			tasks: z.enum(['0', '1', 'true', 'false']).optional(),
			lastEventId: z.string().optional(),
		}),
		responses: {200: {description: 'an event stream (docs/web.md#events-server-sent-events)', sse: true}},
		handle({query, exchange}, deps) {
			const {tasks} = deps.feed.snapshot();
			const unknown = (query.task ?? []).find(name => name !== '' && !tasks.some(nameMatcher(name)));
			if (unknown !== undefined) {
				throw new ApiError('E_UNKNOWN_TASK', `no such task: ${unknown} (GET /api/v1/tasks lists them)`);
			}

			admitStream(deps.streams);
			eventStream(deps, exchange);
			return sent;
		},
	}),
	op({
		id: 'healthz',
		method: 'get',
		path: '/healthz',
		summary: 'Whether the daemon is up and can write its store (503 with the reason when not)',
		tag: 'daemon',
		responses: {200: {description: 'healthy', schema: healthSchema}, 503: {description: 'cannot write its files', schema: healthSchema}},
		handle: ({exchange}, {feed}) => {
			healthz(feed, exchange.response);
			return sent;
		},
	}),
];
