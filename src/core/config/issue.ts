/**
 * One problem found in a config file, and how it is printed.
 */

/** A problem in a config file: where it is (1-based), which key, and what is wrong. */
export type ConfigIssue = {
	file: string;
	line: number;
	col: number;
	/** Dotted key path, e.g. `programs.web.stoptime`; empty for the whole file. */
	path: string;
	message: string;
};

/**
 * One issue as a line of text: `file:line:col path: message` (or `file:line:col message` when
 * the issue is about the whole file).
 */
export function formatIssue(issue: ConfigIssue): string {
	const where = `${issue.file}:${issue.line}:${issue.col}`;
	return issue.path === '' ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** The issues in file order (line, then column), keeping the found order among equals. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
	return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
