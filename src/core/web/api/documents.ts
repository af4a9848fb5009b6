/**
 * The documents the API answers with, as schemas: the same documents the socket methods return
 * (src/core/ipc/methods.ts is their TypeScript owner; these say what a client may rely on). Each
 * lists the fields that are always there; a document may carry more (fields are added, never
 * renamed), so no schema forbids others. Only the OpenAPI document and the tests read these.
 */
import {z} from 'zod';

const time = z.string().describe('ISO-8601');
const nullableTime = time.nullable();

export const stateSchema = z.enum(['queued', 'starting', 'running', 'backoff', 'stopping', 'stopped', 'paused', 'completed', 'failed', 'fatal']);

export const taskSchema = z
	.looseObject({
		id: z.string(),
		name: z.string(),
		label: z.string().optional().describe("a job's free text (`tm run --label`): show it as text; absent when none"),
		program: z.string(),
		kind: z.enum(['service', 'job']),
		state: stateSchema,
		reason: z.string(),
		cause: z.string().describe('a stable word for the last transition (docs/cli-json.md#causes)'),
		pid: z.number().int().nullable(),
		startedAt: nullableTime,
		restarts: z.number().int(),
		attempt: z.number().int(),
		exitCode: z.number().int().nullable(),
		cpu: z.number().nullable(),
		memory: z.number().nullable(),
		heartbeatAt: nullableTime,
		progress: z.number().nullable(),
		status: z.string().nullable(),
		priority: z.number(),
		createdAt: time,
		cmd: z.string(),
	})
	.meta({id: 'Task'});

export const taskDetailSchema = taskSchema
	.extend({
		argv: z.array(z.string()),
		autorestart: z.string(),
		stopsignal: z.string(),
		logs: z.looseObject({stdout: z.string(), stderr: z.string()}),
		dependsOn: z.record(z.string(), z.string()),
	})
	.meta({id: 'TaskDetail'});

export const hostSchema = z
	.looseObject({
		hostname: z.string(),
		load: z.array(z.number()).min(3).max(3),
		cpus: z.number().int(),
		memoryTotal: z.number(),
		memoryFree: z.number(),
		diskFree: z.number().nullable(),
	})
	.meta({id: 'Host'});

export const daemonSchema = z
	.looseObject({
		pid: z.number().int(),
		startedAt: time,
		version: z.string(),
		home: z.string(),
		config: z.string().nullable(),
		disk: z.looseObject({ok: z.boolean(), reason: z.string().nullable()}),
	})
	.meta({id: 'Daemon'});

export const statusSchema = z.looseObject({daemon: daemonSchema, tasks: z.array(taskSchema), host: hostSchema.nullable().optional()}).meta({id: 'Status'});

export const tasksSchema = z.looseObject({tasks: z.array(taskSchema)});

export const actionResultsSchema = z
	.looseObject({
		results: z.array(z.looseObject({name: z.string(), ok: z.boolean(), outcome: z.string(), state: z.string(), error: z.string().optional()})),
	})
	.meta({id: 'ActionResults'});

export const errorSchema = z
	.looseObject({
		error: z.looseObject({code: z.string().regex(/^E_[A-Z_]+$/), message: z.string()}),
	})
	.meta({id: 'Error'});

/** 409: an action that did not happen for some task; `results` says what each is now and why. */
export const conflictSchema = z
	.looseObject({
		error: z.looseObject({code: z.literal('E_CONFLICT'), message: z.string(), results: actionResultsSchema.shape.results}),
	})
	.meta({id: 'Conflict'});

export const openApiSchema = z.looseObject({openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown())});

export const logLineSchema = z.looseObject({seq: z.number().int(), at: time, stream: z.enum(['stdout', 'stderr']), text: z.string()}).meta({id: 'LogLine'});

export const logsSchema = z.looseObject({task: z.string(), lines: z.array(logLineSchema)});

export const daemonLogSchema = z.looseObject({file: z.string().nullable(), lastSeq: z.number().int(), lines: z.array(z.record(z.string(), z.unknown()))});

const runSchema = z.looseObject({
	attempt: z.number().int(),
	pid: z.number().int().nullable(),
	startedAt: z.number(),
	endedAt: z.number().nullable(),
	exitCode: z.number().int().nullable(),
	exitSignal: z.string().nullable(),
	reason: z.string().nullable(),
});

const historyEventSchema = z.looseObject({at: z.number(), type: z.string(), taskId: z.string().nullable(), data: z.unknown()});

export const taskHistorySchema = z.looseObject({taskId: z.string(), runs: z.array(runSchema), events: z.array(historyEventSchema)});

export const historySchema = z.looseObject({events: z.array(historyEventSchema.extend({name: z.string().nullable()}))});

export const queueSchema = z
	.looseObject({
		tasks: z.array(z.looseObject({id: z.string(), name: z.string(), priority: z.number(), queuedAt: time, eligibleAt: nullableTime, reason: z.string(), cause: z.string()})),
		depth: z.array(z.looseObject({priority: z.number(), count: z.number().int()})),
		capacity: z.looseObject({slots: z.number().nullable()}),
	})
	.meta({id: 'Queue'});

export const submittedSchema = z.looseObject({id: z.string(), name: z.string()});

export const scaledSchema = z.looseObject({program: z.string().nullable(), from: z.number().nullable(), to: z.number(), added: z.array(z.string()), removed: z.array(z.string())});

export const reloadSchema = z.looseObject({
	added: z.array(z.string()),
	removed: z.array(z.string()),
	changed: z.array(z.looseObject({name: z.string(), keys: z.array(z.string())})),
	unchanged: z.array(z.string()),
	applied: z.boolean(),
});

export const healthSchema = z.looseObject({ok: z.boolean(), reason: z.string().nullable(), pid: z.number().int(), version: z.string()});

export const tokenCheckSchema = z.looseObject({ok: z.literal(true)});
