/**
 * Words both completion scripts are made of: quoting, signal names, and the sed that picks task
 * names out of `tm status --json`.
 */
import {constants} from 'node:os';

/** Signal names without `SIG`, as `tm signal` takes them. */
export function signalNames(): string[] {
	return Object.keys(constants.signals)
		.map(name => name.replace(/^SIG/, ''))
		.sort();
}

export const words = (list: readonly string[]): string => list.join(' ');

/** sed (POSIX BRE) that picks the ids and program names out of \`tm status --json\` (printed one field per line). */
export const idLine = 's/^ *"id": "\\(.*\\)",\\{0,1\\}$/\\1/p';
export const programLine = 's/^ *"program": "\\(.*\\)",\\{0,1\\}$/\\1/p';

/** A shell word in single quotes. */
export const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
