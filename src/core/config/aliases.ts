/**
 * Anchors and aliases, bounded: one walk of the parsed document, in document order, finds what
 * each alias points to and how large the file would be with every alias expanded. A file that
 * would grow past the limit (an alias bomb: "billion laughs" or a small nest of aliases) or an
 * alias inside the node it names is refused before anything reads through its aliases, so
 * validation costs at most a bounded multiple of the text.
 */
import {isAlias, isMap, isPair, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node} from 'yaml';
import {err, ok, type Result} from '../errors.js';
import type {ConfigIssue} from './issue.js';

/** How many nodes aliases may add for each node written, and in all. */
export const aliasLimits = {perWrittenNode: 100, total: 1_000_000} as const;

/** Each alias of a document → the node it stands for. */
export type AliasTargets = ReadonlyMap<Alias, Node>;

type Walk = {
	/** The last node each anchor name was set on, so far in document order. */
	anchors: Map<string, Node>;
	/** The expanded size of every anchored node, once its walk is over. */
	sizes: Map<Node, number>;
	/** Anchored nodes whose walk is under way: an alias to one of them is inside it. */
	open: Set<Node>;
	targets: Map<Alias, Node>;
	written: number;
	added: number;
	/** Each alias with the nodes added by it and the aliases before it. */
	steps: Array<{alias: Alias; added: number}>;
	inside: Alias[];
};

function walkAlias(walk: Walk, alias: Alias): number {
	walk.written += 1;
	const target = walk.anchors.get(alias.source);
	if (target === undefined) {
		// The YAML parser reports an alias with no anchor before it.
		return 1;
	}

	if (walk.open.has(target)) {
		walk.inside.push(alias);
		return 1;
	}

	walk.targets.set(alias, target);
	const size = walk.sizes.get(target) ?? 1;
	walk.added += size - 1;
	walk.steps.push({alias, added: walk.added});
	return size;
}

/** The node's size with its aliases expanded (1 per scalar, collection and alias target's node). */
function walkNode(walk: Walk, node: unknown): number {
	if (isAlias(node)) {
		return walkAlias(walk, node);
	}

	if (!isScalar(node) && !isMap(node) && !isSeq(node)) {
		return 0;
	}

	walk.written += 1;
	if (node.anchor !== undefined) {
		walk.anchors.set(node.anchor, node);
		walk.open.add(node);
	}

	let size = 1;
	if (!isScalar(node)) {
		for (const item of node.items) {
			size += isPair(item) ? walkNode(walk, item.key) + walkNode(walk, item.value) : walkNode(walk, item);
		}
	}

	if (node.anchor !== undefined) {
		walk.open.delete(node);
		walk.sizes.set(node, size);
	}

	return size;
}

function formatCount(count: number): string {
	return Number.isFinite(count) ? count.toLocaleString('en-US') : 'more than 10^308';
}

/**
 * Checks the aliases of a parsed document (one without errors) and finds their targets. Refuses,
 * at the alias that crosses it, a file whose aliases would add more than `aliasLimits` allow,
 * and every alias that is inside the node it names.
 */
export function checkAliases(doc: Document.Parsed, lines: LineCounter, file: string): Result<AliasTargets, ConfigIssue[]> {
	const walk: Walk = {anchors: new Map(), sizes: new Map(), open: new Set(), targets: new Map(), written: 0, added: 0, steps: [], inside: []};
	walkNode(walk, doc.contents);
	const issueAt = (alias: Alias, message: string): ConfigIssue => {
		const at = lines.linePos(alias.range?.[0] ?? 0);
		return {file, line: at.line, col: at.col, path: '', message};
	};

	const issues = walk.inside.map((alias) =>
		issueAt(alias, `alias *${alias.source} is inside the node &${alias.source} names, so it never ends; point it at a node outside`),
	);
	const limit = Math.min(aliasLimits.perWrittenNode * walk.written, aliasLimits.total);
	const crossing = walk.added > limit ? walk.steps.find((step) => step.added > limit) : undefined;
	if (crossing !== undefined) {
		const grown = `with every alias expanded this file would hold ${formatCount(walk.written + walk.added)} YAML nodes, written with ${formatCount(walk.written)}`;
		const rule = `aliases may add at most ${aliasLimits.perWrittenNode} nodes per node written and ${formatCount(aliasLimits.total)} in all`;
		issues.push(issueAt(crossing.alias, `alias *${crossing.alias.source} passes the limit on aliases: ${grown}; ${rule}: nest fewer aliases`));
	}

	return issues.length > 0 ? err(issues) : ok(walk.targets);
}
