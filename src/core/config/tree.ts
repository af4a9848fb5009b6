/**
 * Reading the YAML tree while validating it: maps with known keys, list items, and fields read
 * through a parser. Every problem is pushed to the context's issues with its position and key
 * path; readers return what they could read, so validation goes on and finds every problem.
 */
import {isAlias, isMap, isScalar, isSeq, type Node} from 'yaml';
import type {ConfigIssue} from './issue.js';
import type {ParsedConfig} from './parse.js';
import type {Parser} from './scalars.js';
import {describe} from './describe.js';
import {didYouMean} from './suggest.js';

/** The state of one validation: the parsed file and the issues found so far. */
export type Ctx = ParsedConfig & {readonly issues: ConfigIssue[]};

/** A key of a map with its value node and its dotted path. */
export type Field = {readonly name: string; readonly key: Node; readonly value: Node | null; readonly path: string};

/** `parent.key`, or `key` at the top. */
export function childPath(parent: string, key: string): string {
	return parent === '' ? key : `${parent}.${key}`;
}

/** The node an alias points to (found once, by the walk of `aliases.ts`), or the node itself; null for nothing. */
export function deref(ctx: Ctx, node: unknown): Node | null {
	if (isAlias(node)) {
		return ctx.aliases.get(node) ?? null;
	}

	return isScalar(node) || isMap(node) || isSeq(node) ? node : null;
}

function keyText(key: unknown): string {
	return key !== null && typeof key === 'object' ? JSON.stringify(key) : String(key ?? '');
}

/**
 * The plain value of a node: a scalar's value, or the JS form of a list or map, its aliases
 * expanded (as far as `aliases.ts` allows; `<<` stays a key, as in YAML 1.2).
 */
export function valueOf(ctx: Ctx, node: unknown): unknown {
	const target = deref(ctx, node);
	if (target === null) {
		return null;
	}

	if (isScalar(target)) {
		return target.value;
	}

	if (isSeq(target)) {
		return target.items.map((item) => valueOf(ctx, item));
	}

	return isMap(target) ? Object.fromEntries(target.items.map((pair) => [keyText(valueOf(ctx, pair.key)), valueOf(ctx, pair.value)])) : null;
}

/** Like `valueOf`, but a plain number or boolean gives its text as written (`022`, `0x1F`). */
export function sourceOf(ctx: Ctx, node: unknown): unknown {
	const target = deref(ctx, node);
	if (isScalar(target) && target.type === 'PLAIN' && typeof target.source === 'string') {
		const {value} = target;
		return typeof value === 'number' || typeof value === 'boolean' ? target.source : value;
	}

	return valueOf(ctx, node);
}

/** Records an issue at the start of `node` (1:1 when there is none). */
export function report(ctx: Ctx, node: Node | null | undefined, path: string, message: string): void {
	const at = ctx.lines.linePos(node?.range?.[0] ?? 0);
	ctx.issues.push({file: ctx.file, line: at.line, col: at.col, path, message});
}

function isEmpty(node: Node | null): boolean {
	return node === null || (isScalar(node) && node.value === null && !node.source);
}

/** Records an issue about a field's value (at the key when the value is empty). */
export function reportValue(ctx: Ctx, field: Field, message: string): void {
	report(ctx, isEmpty(field.value) ? field.key : field.value, field.path, message);
}

function keyName(node: unknown): string | null {
	if (!isScalar(node)) {
		return null;
	}

	const {value} = node;
	return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
}

function unknownKey(name: string, known: readonly string[]): string {
	const hint = didYouMean(name, known);
	if (hint !== '' || known.length > 12) {
		return `unknown key${hint}`;
	}

	return `unknown key; expected one of ${known.join(', ')}`;
}

/**
 * The keys of a map node, by name. `known` lists the keys allowed (null: any). Reports keys that
 * are unknown (with a did-you-mean), duplicated or not plain names, and a node that is not a map
 * (then returns null). An empty value reads as an empty map. `<<: *anchor` merges are followed.
 */
export function readMap(ctx: Ctx, node: unknown, path: string, known: readonly string[] | null): Map<string, Field> | null {
	const map = deref(ctx, node);
	const fields = new Map<string, Field>();
	if (map === null || (isScalar(map) && map.value === null)) {
		return fields;
	}

	if (!isMap(map)) {
		report(ctx, map, path, `expected a map of keys, got ${describe(valueOf(ctx, map))}`);
		return null;
	}

	const merges: unknown[] = [];
	for (const pair of map.items) {
		const key = pair.key as Node | null;
		const name = keyName(key);
		const value = pair.value as Node | null;
		if (name === null) {
			report(ctx, key, path, `keys must be plain names, got ${describe(valueOf(ctx, key))}`);
		} else if (name === '<<' && isScalar(key) && key.type === 'PLAIN') {
			merges.push(value);
		} else if (fields.has(name)) {
			const first = ctx.lines.linePos(fields.get(name)?.key.range?.[0] ?? 0);
			report(ctx, key, childPath(path, name), `duplicate key; first set at line ${first.line}`);
		} else if (known !== null && !known.includes(name)) {
			report(ctx, key, childPath(path, name), unknownKey(name, known));
		} else {
			fields.set(name, {name, key: key!, value, path: childPath(path, name)});
		}
	}

	for (const merge of merges) {
		const target = deref(ctx, merge);
		const sources = isSeq(target) ? target.items : [target];
		for (const source of sources) {
			for (const [name, field] of readMap(ctx, source, path, known) ?? []) {
				if (!fields.has(name)) {
					fields.set(name, field);
				}
			}
		}
	}

	return fields;
}

/** The items of a list node with their paths (`path[0]` …), or null when it is not a list. */
export function readList(ctx: Ctx, field: Field): Array<{node: Node | null; path: string}> | null {
	const list = deref(ctx, field.value);
	if (!isSeq(list)) {
		return null;
	}

	return list.items.map((item, index) => ({node: deref(ctx, item), path: `${field.path}[${index}]`}));
}

/**
 * A field's value read through `parse`; undefined when the field is absent or its value is bad
 * (then an issue is recorded). `read` chooses how the node becomes a value (`sourceOf` for umask).
 */
export function readField<T>(
	ctx: Ctx,
	field: Field | undefined,
	parse: Parser<T>,
	read: (ctx: Ctx, node: unknown) => unknown = valueOf,
): T | undefined {
	if (field === undefined) {
		return undefined;
	}

	const result = parse(read(ctx, field.value));
	if (!result.ok) {
		reportValue(ctx, field, result.error);
		return undefined;
	}

	return result.value;
}
