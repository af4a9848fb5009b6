/**
 * Step 2 of loading: the parsed document → the daemon and program specs, checking the whole
 * tree and collecting every problem at once. The steps, in order: the top level, the
 * `taskmaster:` section, each program, the names dependencies point to, dependency cycles, each
 * program's requests against the capacity.
 */
import {isMap, isScalar} from 'yaml';
import {err, ok, type Result} from '../errors.js';
import type {DaemonSpec, ProgramSpec} from '../model.js';
import {checkRequests, thisHost, type HostSize} from './capacity.js';
import {findCycles, formatCycle} from './cycles.js';
import {readDaemon} from './daemon.js';
import {describe} from './describe.js';
import {sortIssues, type ConfigIssue} from './issue.js';
import type {ParsedConfig} from './parse.js';
import {readProgram, type AccountDefaults, type ProgramDraft} from './program.js';
import {didYouMean} from './suggest.js';
import {deref, readMap, report, reportValue, valueOf, type Ctx, type Field} from './tree.js';

/** What a valid file says, before paths are resolved against its folder. */
export type ValidConfig = {daemon: DaemonSpec; programs: ProgramSpec[]};

const topKeys = ['taskmaster', 'programs'] as const;

/** The top level: a map with `taskmaster:` and `programs:`, or nothing at all. */
export function readTop(ctx: Ctx): Map<string, Field> {
	const contents = deref(ctx, ctx.doc.contents);
	const empty = contents === null || (isScalar(contents) && contents.value === null);
	if (!empty && !isMap(contents)) {
		report(ctx, contents, '', `expected a map with taskmaster: and programs: keys, got ${describe(valueOf(ctx, contents))}`);
		return new Map();
	}

	return readMap(ctx, contents, '', topKeys) ?? new Map();
}

/** Every entry of `programs:`, read in file order. */
export function readPrograms(ctx: Ctx, field: Field | undefined, account: AccountDefaults): ProgramDraft[] {
	const fields = field === undefined ? null : readMap(ctx, field.value, field.path, null);
	return [...(fields?.values() ?? [])].map((program) => readProgram(ctx, program, account));
}

/** How many unknown names in `depends_on` get a "did you mean": each is compared with every program's name. */
export const dependencyHints = 20;

/** Every name in a `depends_on` must be a program of this file. */
export function checkDependencies(ctx: Ctx, drafts: readonly ProgramDraft[]): void {
	const names = drafts.map((draft) => draft.spec.name);
	const known = new Set(names);
	let unknown = 0;
	for (const draft of drafts) {
		for (const ref of draft.refs) {
			if (!known.has(ref.name)) {
				unknown += 1;
				const hint = unknown <= dependencyHints ? didYouMean(ref.name, names) : '';
				const listed = hint === '' && names.length > 0 && names.length <= 10 ? `; the programs are ${names.join(', ')}` : '';
				report(ctx, ref.node, ref.path, `unknown program ${JSON.stringify(ref.name)}${hint}${listed}`);
			}
		}
	}
}

/** No program may depend on itself, directly or through others. */
export function checkCycles(ctx: Ctx, drafts: readonly ProgramDraft[]): void {
	const graph = new Map(drafts.map((draft) => [draft.spec.name, draft.refs.map((ref) => ref.name)]));
	for (const cycle of findCycles(graph)) {
		const draft = drafts.find((candidate) => candidate.spec.name === cycle[0]);
		if (draft?.dependsOn !== undefined) {
			reportValue(ctx, draft.dependsOn, `dependency cycle ${formatCycle(cycle)}`);
		}
	}
}

/** The issues once each (a merged anchor can report the same spot twice), in file order. */
function finish(issues: readonly ConfigIssue[]): ConfigIssue[] {
	const seen = new Set<string>();
	return sortIssues(issues).filter((issue) => {
		const key = `${issue.line}:${issue.col}:${issue.message}`;
		const fresh = !seen.has(key);
		seen.add(key);
		return fresh;
	});
}

/** Validates a parsed config, returning its specs or every issue found; the capacity is sized on `host` (this machine). */
export function validateConfig(parsed: ParsedConfig, host: HostSize = thisHost()): Result<ValidConfig, ConfigIssue[]> {
	const ctx: Ctx = {...parsed, issues: []};
	const top = readTop(ctx);
	const daemon = readDaemon(ctx, top.get('taskmaster'), host);
	const drafts = readPrograms(ctx, top.get('programs'), {uid: daemon.uid, gid: daemon.gid});
	checkDependencies(ctx, drafts);
	checkCycles(ctx, drafts);
	if (daemon.capacity !== undefined) {
		checkRequests(ctx, drafts, daemon.capacity);
	}

	return ctx.issues.length > 0 ? err(finish(ctx.issues)) : ok({daemon, programs: drafts.map((draft) => draft.spec)});
}
