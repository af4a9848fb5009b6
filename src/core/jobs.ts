/**
 * `tm run`: a submitted command becomes a job's TaskSpec. Pure, apart from the id's randomness
 * (given). Every bad field is an error that names it and says what is expected.
 */
import {backoffDefaults, programDefaults} from './config/defaults.js';
import {TmError} from './errors.js';
import type {RunParams} from './ipc/methods.js';
import type {DaemonSpec, TaskSpec} from './model.js';

const jobDefaults = {
	retries: 0,
	/** A job counts as started once spawned: it has no starttime to survive. */
	starttimeMs: 0,
} as const;

function fail(message: string): never {
	throw new TmError('E_USAGE', `run: ${message}`);
}

function integer(value: unknown, name: string, min: number): number | undefined {
	if (value === undefined) {
		return undefined;
	}

	if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
		fail(`${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
	}

	return value;
}

function positive(value: unknown, name: string): number | null {
	if (value === undefined) {
		return null;
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
		fail(`${name} must be a positive number, got ${JSON.stringify(value)}`);
	}

	return value;
}

function strings(value: unknown, name: string): string[] {
	if (value === undefined) {
		return [];
	}

	if (!Array.isArray(value) || !value.every(item => typeof item === 'string' && item !== '')) {
		fail(`${name} must be a list of non-empty strings`);
	}

	return value as string[];
}

/** The spec of a job with id `id` from what `tm run` sent. Relative `cwd` is refused: the CLI resolves it. */
export function jobSpec(params: RunParams, id: string, daemon: DaemonSpec): TaskSpec {
	const argv = strings(params.argv, 'the command');
	if (argv.length === 0) {
		fail('give a command after --, e.g. tm run -- ./backup.sh');
	}

	const shell = params.shell === true;
	if (shell && argv.length !== 1) {
		fail('with shell, give the command as one string');
	}

	const name = params.name ?? id;
	if (typeof name !== 'string' || !/^[\w.@-]+$/.test(name)) {
		fail(`name must be letters, digits, '.', '_', '@' or '-', got ${JSON.stringify(params.name)}`);
	}

	if (params.cwd !== undefined && (typeof params.cwd !== 'string' || !params.cwd.startsWith('/'))) {
		fail(`cwd must be an absolute path, got ${JSON.stringify(params.cwd)}`);
	}

	const env = params.env ?? {};
	if (typeof env !== 'object' || env === null || !Object.values(env).every(v => typeof v === 'string')) {
		fail('env must map names to strings');
	}

	const backoff = params.backoff ?? {};
	const after = strings(params.after, 'after');
	if (params.noQueue === true && after.length > 0) {
		fail('--no-queue and --after do not go together: a job that waits for others cannot start at once');
	}

	return {
		...programDefaults,
		name,
		cmd: shell ? (argv[0] ?? '') : argv.join(' '),
		argv: shell ? ['/bin/sh', '-c', argv[0] ?? ''] : argv,
		shell,
		workingdir: params.cwd ?? null,
		autorestart: 'never',
		starttimeMs: jobDefaults.starttimeMs,
		env: {...env},
		user: daemon.uid,
		group: daemon.gid,
		priority: integer(params.priority, 'priority', -1_000_000) ?? 0,
		dependsOn: Object.fromEntries(after.map(key => [key, 'succeeded' as const])),
		watchdogMs: positive(params.watchdogMs, 'watchdog'),
		heartbeatIntervalMs: positive(params.heartbeatIntervalMs, 'heartbeat-interval'),
		maxRuntimeMs: positive(params.maxRuntimeMs, 'max-runtime'),
		maxMemory: positive(params.maxMemory, 'max-memory'),
		backoff: {
			initialMs: positive(backoff.initialMs, 'backoff.initial') ?? backoffDefaults.initialMs,
			factor: positive(backoff.factor, 'backoff.factor') ?? backoffDefaults.factor,
			maxMs: positive(backoff.maxMs, 'backoff.max') ?? backoffDefaults.maxMs,
			jitter: backoff.jitter ?? backoffDefaults.jitter,
			resetAfterMs: backoffDefaults.resetAfterMs,
		},
		id,
		kind: 'job',
		program: name,
		instance: 0,
		retries: integer(params.retries, 'retries', 0) ?? jobDefaults.retries,
		startretries: integer(params.retries, 'retries', 0) ?? jobDefaults.retries,
		retryOnTimeout: params.retryOnTimeout === true,
	};
}
