/**
 * One entry of `programs:` → a ProgramSpec, with every problem in it reported.
 */
import {err} from '../errors.js';
import type {ProgramSpec} from '../model.js';
import {numprocsLimit, programDefaults} from './defaults.js';
import {describe} from './describe.js';
import {checkLogNames} from './log-names.js';
import {
	parseAutorestart,
	parseReady,
	parseSchedule,
	readDependsOn,
	readEnv,
	readExitcodes,
	splitCommand,
	type DependencyRef,
} from './program-fields.js';
import {readRequires} from './capacity.js';
import {readBackoff, readLog, readMaxRestarts, readStuck} from './policies.js';
import {integer, nullable, number, parseAccount, parseBoolean, parseText, type Parser} from './scalars.js';
import {childPath, readField, readMap, report, reportValue, sourceOf, type Ctx, type Field} from './tree.js';
import {parseDuration, parseSignal, parseSize, parseUmask} from './units.js';

/** The keys a program may have: Taskmaster's, then tm's extensions. */
export const programKeys = [
	'cmd',
	'shell',
	'numprocs',
	'umask',
	'workingdir',
	'autostart',
	'autorestart',
	'exitcodes',
	'startretries',
	'starttime',
	'stopsignal',
	'stoptime',
	'daemonizes',
	'stdout',
	'stderr',
	'env',
	'user',
	'group',
	'priority',
	'depends_on',
	'ready',
	'watchdog',
	'heartbeat_interval',
	'max_runtime',
	'max_memory',
	'requires',
	'max_cpu',
	'stuck',
	'max_restarts',
	'backoff',
	'log',
	'schedule',
] as const;

/** What a program name may look like (it becomes a task id, `name:N` when numprocs > 1). */
export const programNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A program as read, with what the cross-program checks (dependencies, cycles) need. */
export type ProgramDraft = {
	spec: ProgramSpec;
	field: Field;
	dependsOn: Field | undefined;
	refs: DependencyRef[];
	/** The fields of `requires:`, where a request larger than the capacity is reported. */
	requires: Map<string, Field> | null;
};

/** The daemon's `uid:` and `gid:`, used when a program has no `user:` or `group:`. */
export type AccountDefaults = {uid: string | null; gid: string | null};

/** A duration where 0 means "off" (null). */
const durationOrOff: Parser<number | null> = (value) => {
	const result = parseDuration(value);
	return result.ok && result.value === 0 ? {ok: true, value: null} : result;
};

/** A size where 0 means "off" (null). */
const sizeOrOff: Parser<number | null> = (value) => {
	const result = parseSize(value);
	return result.ok && result.value === 0 ? {ok: true, value: null} : result;
};

/** CPUs as a number (`1.5`), at least 0.01; 0 means "off" (null). */
const cpusOrOff: Parser<number | null> = (value) => {
	const result = number(0)(value);
	if (!result.ok || result.value === 0) {
		return result.ok ? {ok: true, value: null} : err(`expected a number of CPUs like 1.5 (0: no limit), got ${describe(value)}`);
	}

	return result.value < 0.01 ? err(`expected at least 0.01 CPU (or 0: no limit), got ${describe(value)}`) : result;
};

function readCommand(ctx: Ctx, program: Field, fields: Map<string, Field> | null, shell: boolean): {cmd: string; argv: string[]} {
	const field = fields?.get('cmd');
	if (field === undefined) {
		if (fields !== null) {
			const example = 'e.g. cmd: "/usr/bin/python3 -m http.server 8080"';
			report(ctx, program.key, childPath(program.path, 'cmd'), `missing; every program needs the command to run, ${example}`);
		}

		return {cmd: '', argv: []};
	}

	const cmd = readField(ctx, field, parseText);
	if (cmd === undefined) {
		return {cmd: '', argv: []};
	}

	const argv = splitCommand(cmd, shell);
	if (!argv.ok) {
		reportValue(ctx, field, argv.error);
	}

	return {cmd, argv: argv.ok ? argv.value : []};
}

/** Reads one program (`field` is its entry under `programs:`), reporting every problem in it. */
export function readProgram(ctx: Ctx, field: Field, account: AccountDefaults): ProgramDraft {
	if (!programNamePattern.test(field.name)) {
		const rule = 'use letters, digits, "_", "." and "-", starting with a letter or a digit';
		report(ctx, field.key, field.path, `invalid program name ${JSON.stringify(field.name)}; ${rule}`);
	}

	const fields = readMap(ctx, field.value, field.path, programKeys);
	const get = (key: (typeof programKeys)[number]): Field | undefined => fields?.get(key);
	const d = programDefaults;
	const shell = readField(ctx, get('shell'), parseBoolean) ?? d.shell;
	const {cmd, argv} = readCommand(ctx, field, fields, shell);
	const {dependsOn, refs} = readDependsOn(ctx, get('depends_on'));
	const requires = readRequires(ctx, get('requires'));
	const spec: ProgramSpec = {
		name: field.name,
		cmd,
		argv,
		shell,
		numprocs: readField(ctx, get('numprocs'), integer(1, numprocsLimit)) ?? d.numprocs,
		umask: readField(ctx, get('umask'), nullable(parseUmask), sourceOf) ?? d.umask,
		workingdir: readField(ctx, get('workingdir'), nullable(parseText)) ?? d.workingdir,
		autostart: readField(ctx, get('autostart'), parseBoolean) ?? d.autostart,
		autorestart: readField(ctx, get('autorestart'), parseAutorestart) ?? d.autorestart,
		exitcodes: readExitcodes(ctx, get('exitcodes')) ?? [...d.exitcodes],
		startretries: readField(ctx, get('startretries'), integer(0)) ?? d.startretries,
		starttimeMs: readField(ctx, get('starttime'), parseDuration) ?? d.starttimeMs,
		stopsignal: readField(ctx, get('stopsignal'), parseSignal) ?? d.stopsignal,
		stoptimeMs: readField(ctx, get('stoptime'), parseDuration) ?? d.stoptimeMs,
		daemonizes: readField(ctx, get('daemonizes'), parseBoolean) ?? d.daemonizes,
		stdout: readField(ctx, get('stdout'), nullable(parseText)) ?? d.stdout,
		stderr: readField(ctx, get('stderr'), nullable(parseText)) ?? d.stderr,
		env: readEnv(ctx, get('env')) ?? {...d.env},
		user: readField(ctx, get('user'), nullable(parseAccount)) ?? account.uid,
		group: readField(ctx, get('group'), nullable(parseAccount)) ?? account.gid,
		priority: readField(ctx, get('priority'), nullable(integer())) ?? d.priority,
		dependsOn,
		ready: readField(ctx, get('ready'), parseReady) ?? {...d.ready},
		watchdogMs: readField(ctx, get('watchdog'), nullable(durationOrOff)) ?? d.watchdogMs,
		heartbeatIntervalMs: readField(ctx, get('heartbeat_interval'), nullable(durationOrOff)) ?? d.heartbeatIntervalMs,
		maxRuntimeMs: readField(ctx, get('max_runtime'), nullable(durationOrOff)) ?? d.maxRuntimeMs,
		maxMemory: readField(ctx, get('max_memory'), nullable(sizeOrOff)) ?? d.maxMemory,
		requires: requires.requires,
		maxCpu: readField(ctx, get('max_cpu'), nullable(cpusOrOff)) ?? d.maxCpu,
		stuck: readStuck(ctx, get('stuck')),
		maxRestarts: readMaxRestarts(ctx, get('max_restarts')),
		backoff: readBackoff(ctx, get('backoff')),
		log: readLog(ctx, get('log')),
		schedule: readField(ctx, get('schedule'), nullable(parseSchedule)) ?? d.schedule,
	};
	checkLogNames(ctx, field, spec, {stdout: get('stdout'), stderr: get('stderr')});
	return {spec, field, dependsOn: get('depends_on'), refs, requires: requires.fields};
}
