/**
 * Parsers for the program keys that are more than a unit: cmd → argv, autorestart, exitcodes,
 * env, depends_on, ready and schedule.
 */
import {CronExpressionParser} from 'cron-parser';
import {parse as parseShell} from 'shell-quote';
import {isMap, isScalar, isSeq, type Node} from 'yaml';
import {err, messageOf, ok, type Result} from '../errors.js';
import type {AutoRestart, DependsCondition, Readiness} from '../model.js';
import {describe} from './describe.js';
import {integer, parseText} from './scalars.js';
import {deref, readField, readList, readMap, report, reportValue, sourceOf, valueOf, type Ctx, type Field} from './tree.js';

/**
 * The argv a command runs as. With `shell`, `['/bin/sh', '-c', cmd]`; without, `cmd` split with
 * shell quoting and nothing expanded (`$HOME` stays `$HOME`). Shell syntax (pipes, redirections,
 * `&&`, globs, comments) is an error then: it only means something to a shell.
 */
export function splitCommand(cmd: string, shell: boolean): Result<string[], string> {
	if (shell) {
		return ok(['/bin/sh', '-c', cmd]);
	}

	const argv: string[] = [];
	const syntax: string[] = [];
	for (const entry of parseShell(cmd, (name) => `$${name}`)) {
		if (typeof entry === 'string') {
			argv.push(entry);
		} else if ('comment' in entry) {
			syntax.push(`#${entry.comment}`);
		} else {
			syntax.push(entry.op === 'glob' ? entry.pattern : entry.op);
		}
	}

	if (syntax.length > 0) {
		const shown = [...new Set(syntax)].map((token) => JSON.stringify(token)).join(', ');
		return err(`uses shell syntax (${shown}), which only a shell understands; set shell: true to run it through /bin/sh -c, or quote it`);
	}

	return argv.length > 0 ? ok(argv) : err(`expected a command, got ${describe(cmd)}`);
}

const restartWords: Readonly<Record<string, AutoRestart>> = {
	true: 'always',
	always: 'always',
	false: 'never',
	never: 'never',
	unexpected: 'unexpected',
};

/** `autorestart`: true/always, false/never or unexpected. */
export function parseAutorestart(value: unknown): Result<AutoRestart, string> {
	const word = typeof value === 'boolean' || typeof value === 'string' ? String(value).trim().toLowerCase() : '';
	const policy = restartWords[word];
	return policy === undefined ? err(`expected true, false or unexpected (or always, never), got ${describe(value)}`) : ok(policy);
}

const exitCode = integer(0, 255);

/** `exitcodes`: one exit code or a list of them, each 0..255. */
export function readExitcodes(ctx: Ctx, field: Field | undefined): number[] | undefined {
	const items = field === undefined ? null : readList(ctx, field);
	if (items === null) {
		const single = readField(ctx, field, exitCode);
		return single === undefined ? undefined : [single];
	}

	const codes: number[] = [];
	for (const item of items) {
		const result = exitCode(valueOf(ctx, item.node));
		if (result.ok) {
			codes.push(result.value);
		} else {
			report(ctx, item.node, item.path, result.error);
		}
	}

	return [...new Set(codes)];
}

/** `env`: a map of names to strings; numbers and booleans keep their text as written. */
export function readEnv(ctx: Ctx, field: Field | undefined): Record<string, string> | undefined {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, null);
	if (fields === null) {
		return undefined;
	}

	const env: Record<string, string> = {};
	for (const [name, entry] of fields) {
		const value = sourceOf(ctx, entry.value);
		if (name === '' || name.includes('=') || name.includes('\0')) {
			report(ctx, entry.key, entry.path, 'an environment variable name cannot be empty or contain "="');
		} else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
			env[name] = String(value);
		} else {
			reportValue(ctx, entry, `expected a string, a number or a boolean (write "" for an empty value), got ${describe(value)}`);
		}
	}

	return env;
}

const conditions: readonly DependsCondition[] = ['started', 'ready', 'completed', 'succeeded'];

/** A dependency as written: the program named and where it was named. */
export type DependencyRef = {name: string; node: Node | null; path: string};

/** `depends_on`: a map of program → condition, a list of programs, or one program (started). */
export function readDependsOn(ctx: Ctx, field: Field | undefined): {dependsOn: Record<string, DependsCondition>; refs: DependencyRef[]} {
	const dependsOn: Record<string, DependsCondition> = {};
	const refs: DependencyRef[] = [];
	if (field === undefined) {
		return {dependsOn, refs};
	}

	const target = deref(ctx, field.value);
	if (!isMap(target) && !isSeq(target) && !isScalar(target)) {
		return {dependsOn, refs};
	}

	if (isScalar(target) && target.value !== null && typeof target.value !== 'string') {
		reportValue(ctx, field, `expected a map of program: condition or a list of programs, got ${describe(target.value)}`);
		return {dependsOn, refs};
	}

	const items = readList(ctx, field);
	const single = typeof valueOf(ctx, field.value) === 'string' ? [{node: deref(ctx, field.value), path: field.path}] : null;
	for (const item of items ?? single ?? []) {
		const name = parseText(valueOf(ctx, item.node));
		if (name.ok) {
			dependsOn[name.value] = 'started';
			refs.push({name: name.value, node: item.node, path: item.path});
		} else {
			report(ctx, item.node, item.path, `expected a program name, got ${describe(valueOf(ctx, item.node))}`);
		}
	}

	if (items !== null || single !== null) {
		return {dependsOn, refs};
	}

	for (const [name, entry] of readMap(ctx, field.value, field.path, null) ?? []) {
		const condition = valueOf(ctx, entry.value);
		if (typeof condition === 'string' && (conditions as readonly string[]).includes(condition)) {
			dependsOn[name] = condition as DependsCondition;
		} else {
			reportValue(ctx, entry, `expected one of ${conditions.join(', ')}, got ${describe(condition)}`);
		}

		refs.push({name, node: entry.key, path: entry.path});
	}

	return {dependsOn, refs};
}

function linePattern(pattern: string): Result<Readiness, string> {
	if (pattern.trim() === '') {
		return err('expected a pattern after "line:", e.g. "line: listening on"');
	}

	try {
		new RegExp(pattern);
	} catch (error) {
		return err(`the ready line pattern does not compile: ${messageOf(error)}`);
	}

	return ok({kind: 'line', pattern});
}

/** `ready`: `fd`, `none`, `"line: <regex>"` (or `{line: <regex>}`). */
export function parseReady(value: unknown): Result<Readiness, string> {
	if (value === 'fd' || value === 'none') {
		return ok({kind: value});
	}

	if (typeof value === 'string' && /^line:/.test(value)) {
		return linePattern(value.slice('line:'.length).trim());
	}

	if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
		const keys = Object.keys(value);
		const {line} = value as {line?: unknown};
		if (keys.length === 1 && typeof line === 'string') {
			return linePattern(line);
		}
	}

	return err(`expected fd, none or "line: <regex>", got ${describe(value)}`);
}

/** `schedule`: a cron expression (5 fields, or 6 with seconds, or @daily and friends). */
export function parseSchedule(value: unknown): Result<string, string> {
	const expected = `expected a cron expression like "*/15 * * * *", got ${describe(value)}`;
	if (typeof value !== 'string' || value.trim() === '') {
		return err(expected);
	}

	try {
		CronExpressionParser.parse(value.trim());
	} catch (error) {
		return err(`${expected} (${messageOf(error)})`);
	}

	return ok(value.trim());
}
