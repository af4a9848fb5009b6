/**
 * A job's label (`tm run --label`, the API's `label`): free text a person reads beside the job's
 * name, such as `nightly backup of /srv` or `<img src=x>`. Names stay identifiers (letters,
 * digits, `.`, `_`, `@`, `-`) because they address tasks: on the command line, in globs
 * (`web:*`), in `--after`, in the console's addresses. A label addresses nothing, so it may hold
 * any printable text; every reader shows it as text (never as HTML). Control characters are
 * refused so that a label can neither break a line of `tm status` nor send a terminal escape.
 */

/** The longest label, in characters: one line of a table. */
export const maxLabelLength = 200;

/** Why `text` cannot be a label, or null when it can. */
export function labelProblem(text: string): string | null {
	if (text.length > maxLabelLength) {
		return `a label has at most ${maxLabelLength} characters, got ${text.length}`;
	}

	// eslint-disable-next-line no-control-regex -- the control characters are what is refused
	const control = /[\u0000-\u001F\u007F-\u009F]/.exec(text);
	if (control !== null) {
		const code = control[0].codePointAt(0) ?? 0;
		return `a label is one line of text: no control characters (found U+${code.toString(16).toUpperCase().padStart(4, '0')} at ${control.index + 1})`;
	}

	return null;
}
