/**
 * Step 1 of loading: YAML text → a document that keeps every node's position, with its aliases
 * bounded and resolved. Syntax errors (and unknown tags) become issues; duplicate keys are left
 * for `validate` to report with their key path.
 */
import {LineCounter, parseDocument, type Document, type YAMLError} from 'yaml';
import {err, ok, type Result} from '../errors.js';
import {checkAliases, type AliasTargets} from './aliases.js';
import type {ConfigIssue} from './issue.js';

/** A parsed config file: the YAML document plus what it takes to point into the text. */
export type ParsedConfig = {
	/** The file name used in issues. */
	file: string;
	doc: Document.Parsed;
	lines: LineCounter;
	/** What each alias stands for (the library's own lookup walks the whole document each time). */
	aliases: AliasTargets;
};

function toIssue(error: YAMLError, file: string): ConfigIssue {
	const at = error.linePos?.[0] ?? {line: 1, col: 1};
	const first = error.message.split('\n')[0] ?? error.message;
	const message = first.replace(/ at line \d+, column \d+:?$/, '');
	return {file, line: at.line, col: at.col, path: '', message: `invalid YAML: ${message}`};
}

/**
 * Parses config text as one YAML 1.2 document. An empty text is a document with no contents.
 * Fails with one issue per YAML error, each at its line and column, or with the aliases' issues.
 */
export function parseYaml(text: string, file: string): Result<ParsedConfig, ConfigIssue[]> {
	const lines = new LineCounter();
	const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
		lineCounter: lines,
		prettyErrors: true,
		uniqueKeys: false,
	});
	const problems = [...doc.errors, ...doc.warnings];
	if (problems.length > 0) {
		return err(problems.map((problem) => toIssue(problem, file)));
	}

	const aliases = checkAliases(doc, lines, file);
	return aliases.ok ? ok({file, doc, lines, aliases: aliases.value}) : aliases;
}
