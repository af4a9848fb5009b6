/**
 * `tm run`: a submitted command becomes a job's TaskSpec. Pure, apart from the id's randomness
 * (given). Every bad field is an error that names it and says what is expected.
 */
import {backoffDefaults, programDefaults} from './config/defaults.js';
import {parseSignal} from './config/units.js';
import {TmError} from './errors.js';
import type {RunParams} from './ipc/methods.js';
import {labelProblem} from './job-label.js';
import type {DaemonSpec, StuckSpec, TaskSpec} from './model.js';

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

/** A request (`--memory` bytes, `--cpus`): a number ≥ 0, 0 when absent. */
function request(value: unknown, name: string): number {
	if (value === undefined) {
		return 0;
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		fail(`${name} must be a number ≥ 0, got ${JSON.stringify(value)}`);
	}

	return value;
}

/** `stop-timeout` in ms: 0 sends SIGKILL at once, as `stoptime: 0` does. */
function stopTimeout(value: unknown): number | null {
	if (value === undefined) {
		return null;
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		fail(`stop-timeout must be a number of ms ≥ 0, got ${JSON.stringify(value)}`);
	}

	return value;
}

/** The stop signal and timeout, `stuck` and the user of a job, each checked. */
function stopOf(params: RunParams): {signal: string | null; timeoutMs: number | null; stuck: StuckSpec | null; user: string | null} {
	let signal: string | null = null;
	if (params.stopSignal !== undefined) {
		const parsed = parseSignal(params.stopSignal);
		if (!parsed.ok) {
			fail(`stop-signal: ${parsed.error}`);
		}

		signal = parsed.value;
	}

	const {stuck, user} = params;
	if (stuck !== undefined && (typeof stuck !== 'object' || stuck === null || !(stuck.cpuBelowPercent >= 0) || positive(stuck.forMs, 'stuck.forMs') === null)) {
		fail('stuck must be {cpuBelowPercent: a number ≥ 0, forMs: a positive number}');
	}

	if (user !== undefined && (typeof user !== 'string' || user.trim() === '')) {
		fail(`user must be a user name or a numeric uid, got ${JSON.stringify(user)}`);
	}

	return {
		signal,
		timeoutMs: stopTimeout(params.stopTimeoutMs),
		stuck: stuck === undefined ? null : {cpuBelowPercent: stuck.cpuBelowPercent, forMs: stuck.forMs},
		user: user === undefined ? null : user.trim(),
	};
}

/** The label as given (free text, job-label.ts), or null for none (absent or empty). */
function labelOf(value: unknown): string | null {
	if (value === undefined || value === null || value === '') {
		return null;
	}

	if (typeof value !== 'string') {
		fail(`label must be text, got ${JSON.stringify(value)}`);
	}

	const problem = labelProblem(value);
	if (problem !== null) {
		fail(`label: ${problem}`);
	}

	return value;
}

/**
 * `name`, or else the first of `name#2`, `name#3`… that no task goes by, so every name means one
 * task (a user's name cannot hold `#`, so these never meet one given on purpose).
 */
export function unambiguousName(name: string, taken: ReadonlySet<string>): string {
	if (!taken.has(name)) {
		return name;
	}

	for (let n = 2; ; n++) {
		const candidate = `${name}#${n}`;
		if (!taken.has(candidate)) {
			return candidate;
		}
	}
}

/**
 * The spec of a job with id `id` from what `tm run` sent. Relative `cwd` is refused: the CLI
 * resolves it. `taken`: the names tasks go by now (ids and programs); a `--name` among them is
 * made unambiguous.
 */
export function jobSpec(params: RunParams, id: string, daemon: DaemonSpec, taken: ReadonlySet<string> = new Set()): TaskSpec {
	const argv = strings(params.argv, 'the command');
	if (argv.length === 0) {
		fail('give a command after --, e.g. tm run -- ./backup.sh');
	}

	const shell = params.shell === true;
	if (shell && argv.length !== 1) {
		fail('with shell, give the command as one string');
	}

	const asked = params.name ?? id;
	if (typeof asked !== 'string' || !/^[\w.@-]+$/.test(asked)) {
		fail(`name must be letters, digits, '.', '_', '@' or '-', got ${JSON.stringify(params.name)}`);
	}

	const name = params.name === undefined ? id : unambiguousName(asked, taken);
	const label = labelOf(params.label);

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

	const stop = stopOf(params);
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
		// A user of its own runs with that user's group.
		user: stop.user ?? daemon.uid,
		group: stop.user === null ? daemon.gid : null,
		stopsignal: stop.signal ?? programDefaults.stopsignal,
		stoptimeMs: stop.timeoutMs ?? programDefaults.stoptimeMs,
		stuck: stop.stuck,
		priority: integer(params.priority, 'priority', -1_000_000) ?? 0,
		dependsOn: Object.fromEntries(after.map(key => [key, 'succeeded' as const])),
		watchdogMs: positive(params.watchdogMs, 'watchdog'),
		heartbeatIntervalMs: positive(params.heartbeatIntervalMs, 'heartbeat-interval'),
		maxRuntimeMs: positive(params.maxRuntimeMs, 'max-runtime'),
		maxMemory: positive(params.maxMemory, 'max-memory'),
		requires: {memory: Math.round(request(params.memory, 'memory')), cpu: request(params.cpus, 'cpus')},
		maxCpu: positive(params.maxCpu, 'max-cpu'),
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
		label,
		instance: 0,
		retries: integer(params.retries, 'retries', 0) ?? jobDefaults.retries,
		startretries: integer(params.retries, 'retries', 0) ?? jobDefaults.retries,
		retryOnTimeout: params.retryOnTimeout === true,
	};
}
