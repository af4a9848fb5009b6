/**
 * `tm run [options] -- CMD ARGS…`: submits a one-shot job (SPEC §4) and prints its id; with
 * `--wait`, blocks until the job has finished and exits with the job's exit code.
 *
 * Every option is checked here, before anything reaches the daemon, so a mistake is reported
 * with the option's name and what it takes (exit 2). The daemon checks the document again.
 */
import {statSync} from 'node:fs';
import path from 'node:path';
import type {Command} from 'commander';
import {parseDuration, parseSize} from '../core/config/units.js';
import {didYouMean} from '../core/config/suggest.js';
import {TmError} from '../core/errors.js';
import type {RunParams} from '../core/ipc/methods.js';
import {labelProblem} from '../core/job-label.js';
import {withClient} from './connect.js';
import {delayParams, type DelayOptions} from './delay-options.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';
import {showJobOutput} from './run-output.js';
import {addProgramLikeOptions, programLikeParams, type ProgramLikeOptions} from './run-program-options.js';

export type RunOptions = GlobalOptions & ProgramLikeOptions & DelayOptions & {
	name?: string;
	label?: string;
	priority?: string;
	after?: string[];
	retries?: string;
	retryOnTimeout?: boolean;
	/** false with `--no-queue`. */
	queue?: boolean;
	backoff?: string;
	maxRuntime?: string;
	watchdog?: string;
	heartbeatInterval?: string;
	maxMemory?: string;
	maxCpu?: string;
	cwd?: string;
	env?: string[];
	shell?: boolean;
	wait?: boolean;
	quiet?: boolean;
	cluster?: boolean;
	on?: string;
};

function usage(message: string): never {
	throw new TmError('E_USAGE', message);
}

function wholeNumber(value: string, option: string, min: number, example: string): number {
	const text = value.trim();
	if (!/^[-+]?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
		usage(`${option} takes a whole number${min === 0 ? ' ≥ 0' : ''}, got "${value}" (e.g. ${option} ${example})`);
	}

	return Number(text);
}

/** A duration above zero in milliseconds (`30s`, `5m`, `500ms`, a bare number of seconds). */
function positiveDuration(value: string, option: string): number {
	const parsed = parseDuration(value);
	if (!parsed.ok) {
		usage(`${option}: ${parsed.error}`);
	}

	if (parsed.value <= 0) {
		usage(`${option} must be longer than 0, got "${value}" (leave it out for no limit)`);
	}

	return parsed.value;
}

const backoffKeys = ['initial', 'factor', 'max', 'jitter'] as const;

/**
 * `--backoff`: a duration (the first delay, `1s`), or `key=value` pairs separated by commas:
 * `initial=1s,factor=2,max=60s,jitter=0.2`.
 */
export function parseBackoff(spec: string): NonNullable<RunParams['backoff']> {
	const fix = 'e.g. --backoff 1s or --backoff initial=1s,factor=2,max=60s,jitter=0.2';
	if (!spec.includes('=')) {
		return {initialMs: positiveDuration(spec, '--backoff')};
	}

	const backoff: NonNullable<RunParams['backoff']> = {};
	for (const part of spec.split(',')) {
		const eq = part.indexOf('=');
		const key = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (eq <= 0 || value === '') {
			usage(`--backoff: expected key=value, got "${part}" (${fix})`);
		}

		switch (key) {
			case 'initial': {
				backoff.initialMs = positiveDuration(value, '--backoff initial');
				break;
			}

			case 'max': {
				backoff.maxMs = positiveDuration(value, '--backoff max');
				break;
			}

			case 'factor': {
				const factor = Number(value);
				if (!/^\d+(?:\.\d+)?$/.test(value) || factor < 1) {
					usage(`--backoff factor must be a number ≥ 1, got "${value}" (${fix})`);
				}

				backoff.factor = factor;
				break;
			}

			case 'jitter': {
				const jitter = Number(value);
				if (!/^\d+(?:\.\d+)?$/.test(value) || jitter > 1) {
					usage(`--backoff jitter must be a fraction from 0 to 1, got "${value}" (${fix})`);
				}

				backoff.jitter = jitter;
				break;
			}

			default: {
				usage(`--backoff: unknown key "${key}"${didYouMean(key, backoffKeys) || '.'} The keys are ${backoffKeys.join(', ')}; ${fix}`);
			}
		}
	}

	if (backoff.initialMs !== undefined && backoff.maxMs !== undefined && backoff.maxMs < backoff.initialMs) {
		usage(`--backoff max (${backoff.maxMs} ms) is shorter than initial (${backoff.initialMs} ms)`);
	}

	return backoff;
}

/** `--env NAME=VALUE`, repeated; the value may contain `=`. */
export function parseEnv(pairs: string[]): Record<string, string> {
	const env: Record<string, string> = {};
	for (const pair of pairs) {
		const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
		if (!match) {
			usage(`--env takes NAME=VALUE with a name of letters, digits and _, got "${pair}" (e.g. --env LANG=C.UTF-8)`);
		}

		env[match[1] ?? ''] = match[2] ?? '';
	}

	return env;
}

/** `--name NAME`, an identifier that addresses the job, and `--label TEXT`, free text that addresses nothing (core/job-label.ts; empty is none). */
function namesParams({name, label}: RunOptions): Pick<RunParams, 'name' | 'label'> {
	if (name !== undefined && !/^[\w.@-]+$/.test(name)) {
		usage(`--name takes letters, digits, '.', '_', '@' and '-', got "${name}"`);
	}

	const problem = label === undefined ? null : labelProblem(label);
	if (problem !== null) {
		usage(`--label: ${problem}`);
	}

	return {...(name === undefined ? {} : {name}), ...(label === undefined || label === '' ? {} : {label})};
}

/**
 * The `run` document for `command` (the words after `--`) and the options; relative `--cwd` is
 * resolved against `cwd`, which is also the default; `--at` must come after `now`. Throws E_USAGE naming the bad option.
 */
export function runParams(command: string[], options: RunOptions, cwd: string, now = Date.now()): RunParams {
	if (command.length === 0) {
		usage('give the command after --, e.g. tm run -- ./backup.sh --full');
	}

	const params: RunParams = {
		// With --shell the words are one script for /bin/sh -c, as ssh and watch join theirs.
		argv: options.shell ? [command.join(' ')] : command,
	};
	if (options.shell) {
		params.shell = true;
	}

	Object.assign(params, namesParams(options));

	if (options.priority !== undefined) {
		params.priority = wholeNumber(options.priority, '--priority', Number.MIN_SAFE_INTEGER, '10');
	}

	if (options.after !== undefined && options.after.length > 0) {
		params.after = options.after;
	}

	if (options.retries !== undefined) {
		params.retries = wholeNumber(options.retries, '--retries', 0, '3');
	}

	if (options.retryOnTimeout) {
		params.retryOnTimeout = true;
	}

	Object.assign(params, delayParams(options, now));
	if (options.queue === false) {
		if (params.delayMs !== undefined || params.at !== undefined) {
			usage('--no-queue starts the job now or not at all: it cannot wait for --delay or --at');
		}

		params.noQueue = true;
	}

	if (options.backoff !== undefined) {
		params.backoff = parseBackoff(options.backoff);
	}

	if (options.maxRuntime !== undefined) {
		params.maxRuntimeMs = positiveDuration(options.maxRuntime, '--max-runtime');
	}

	if (options.watchdog !== undefined) {
		params.watchdogMs = positiveDuration(options.watchdog, '--watchdog');
	}

	if (options.heartbeatInterval !== undefined) {
		params.heartbeatIntervalMs = positiveDuration(options.heartbeatInterval, '--heartbeat-interval');
	}

	if (options.maxMemory !== undefined) {
		const size = parseSize(options.maxMemory);
		if (!size.ok) {
			usage(`--max-memory: ${size.error}`);
		}

		if (size.value <= 0) {
			usage(`--max-memory must be more than 0, got "${options.maxMemory}" (leave it out for no limit)`);
		}

		params.maxMemory = size.value;
	}

	if (options.maxCpu !== undefined) {
		const cpus = Number(options.maxCpu);
		if (options.maxCpu.trim() === '' || !Number.isFinite(cpus) || cpus < 0.01) {
			usage(`--max-cpu must be a number of CPUs of at least 0.01, like 1.5, got "${options.maxCpu}" (leave it out for no limit)`);
		}

		params.maxCpu = cpus;
	}

	params.cwd = path.resolve(cwd, options.cwd ?? '.');
	if (options.env !== undefined && options.env.length > 0) {
		params.env = parseEnv(options.env);
	}

	Object.assign(params, programLikeParams(options));
	if (options.cluster === true || options.on !== undefined) {
		if (params.noQueue === true) {
			usage('--no-queue does not go with --cluster: a cluster job waits for a member with a free slot');
		}

		params.cluster = true;
		if (options.on !== undefined) {
			params.on = options.on;
		}
	}

	return params;
}

function checkDirectory(dir: string): void {
	let isDirectory = false;
	try {
		isDirectory = statSync(dir).isDirectory();
	} catch {
		usage(`--cwd: no such directory: ${dir}`);
	}

	if (!isDirectory) {
		usage(`--cwd: not a directory: ${dir}`);
	}
}

/**
 * The exit code `--wait` ends with: the job's own; 1 when it ended without one (a signal) or did
 * not complete yet exited 0 (cancelled, and its stop handler exited cleanly), so `&&` never
 * goes on after a job that did not complete.
 */
export function waitExitCode(result: {state: string; exitCode: number | null}): number {
	if (result.state === 'completed') {
		return result.exitCode ?? 0;
	}

	return result.exitCode === null || result.exitCode === 0 ? 1 : result.exitCode;
}

export async function runRun(command: string[], options: RunOptions, deps: Deps): Promise<number> {
	let params: RunParams;
	try {
		params = runParams(command, options, deps.cwd);
		if (params.cwd !== undefined) {
			checkDirectory(params.cwd);
		}
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	return withClient(
		options,
		deps,
		async client => {
			const {id, name} = await client.call('run', params);
			if (params.name !== undefined && name !== params.name && !options.json) {
				deps.io.err(`tm: a task already goes by ${params.name}; this job is ${name}\n`);
			}

			if (!options.wait) {
				if (options.json) {
					printJson(deps.io, {id, name});
				} else {
					deps.io.out(`${id}\n`);
				}

				return 0;
			}

			if (!options.json) {
				deps.io.out(`${id}\n`);
			}

			// A cluster job's output is on the member that runs it (tm logs says which).
			const output = options.json || options.quiet || params.cluster === true ? null : await showJobOutput(client, id, deps.io);
			// A job may run for days; the daemon answers when it has finished.
			const result = await client.call('wait', {name: id});
			await output?.finish();
			if (options.json) {
				printJson(deps.io, result);
			} else {
				deps.io.out(`${id}: ${result.state} (${result.reason})\n`);
			}

			return waitExitCode(result);
		},
	);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerRun(program: Command, deps: Deps, done: (code: number) => void): void {
	const run = program
		.command('run')
		.description('submit a one-shot job and print its id (options before --, the command after)')
		.argument('[command...]', 'the command and its arguments, after --')
		.option('--name <name>', 'a name for the job (its id is j-…)')
		.option('--label <text>', 'free text shown beside its name in tm status, tm show and the console (any printable text)')
		.option('--priority <n>', 'higher starts first and may evict lower ones (default 0)')
		.option('--after <id|name>', 'wait for this task to succeed first (repeatable)', collect)
		.option('--retries <n>', 'attempts after the first failure before the job is failed (default 0)')
		.option('--retry-on-timeout', 'a job stopped by --max-runtime uses its --retries (without it, it is failed at once)')
		.option('--backoff <spec>', 'delay between attempts: 1s, or initial=1s,factor=2,max=60s,jitter=0.2')
		.option('--max-runtime <duration>', 'stop the job after this long (30s, 5m, 2h)')
		.option('--watchdog <duration>', 'restart when no heartbeat (WATCHDOG=1) came for this long')
		.option('--heartbeat-interval <duration>', 'the job sends WATCHDOG=1 this often: task_timeout applies from its start')
		.option('--max-memory <size>', "restart when the job's memory passes this (512M, 1G); the kernel's limit in a cgroup")
		.option('--max-cpu <cpus>', 'CPUs the kernel lets the job use, in a cgroup (1.5)')
		.option('--cwd <dir>', 'working folder (default: the current one)')
		.option('--env <NAME=VALUE>', 'an environment variable (repeatable)', collect)
		.option('--shell', 'run the command through /bin/sh -c (the words are joined into one script)')
		.option('--wait', "wait until the job has finished, showing its output, and exit with the job's exit code")
		.option('--quiet', "with --wait: do not show the job's output")
		.option('--no-queue', 'start now or not at all: when no slot is free (and it can evict no one), exit 5 and say why')
		.option('--delay <duration>', 'queue it now, but start it no sooner than this from now (30s, 5m, 2h)')
		.option('--at <time>', 'queue it now, but start it no sooner than this time: 2026-12-05T03:00 (local) or with Z or +01:00')
		.option('--cluster', "into the cluster's queue (taskmaster.cluster): any member with a free slot runs it; its id is c-…")
		.option('--on <host>', 'with --cluster: only this member may run it (tm hosts lists them)');
	addProgramLikeOptions(run).action(async (command: string[], options: RunOptions, cmd: Command) => {
		done(await runRun(command, {...cmd.optsWithGlobals(), ...options}, deps));
	});
}
