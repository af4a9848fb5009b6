/**
 * A line typed at `tm shell` → the words of a command line, quoted as sh quotes them: spaces
 * separate words; '…' keeps everything; "…" keeps everything but \" and \\; a backslash
 * outside quotes keeps the next character. No variables, globs or operators: the words go to
 * tm as they are. Also the unfinished line Tab completes.
 */

export type SplitLine = {ok: true; words: string[]} | {ok: false; error: string};

type Quote = "'" | '"';

type Scan = {
	words: string[];
	/** The word still open at the end of the line (unquoted so far), or null after a space. */
	current: string | null;
	/** Where the open word starts in the line. */
	start: number;
	quote: Quote | null;
	escaped: boolean;
};

function scan(line: string): Scan {
	const state: Scan = {words: [], current: null, start: line.length, quote: null, escaped: false};
	for (let i = 0; i < line.length; i++) {
		const c = line[i]!;
		if (state.escaped || state.quote === "'") {
			const closes = !state.escaped && c === "'";
			state.current += closes ? '' : c;
			state.quote = closes ? null : state.quote;
			state.escaped = false;
		} else if (state.quote === '"') {
			const next = line[i + 1];
			if (c === '"') {
				state.quote = null;
			} else if (c === '\\' && (next === '"' || next === '\\')) {
				state.current += next;
				i++;
			} else {
				state.current += c;
			}
		} else if (c === ' ' || c === '\t') {
			if (state.current !== null) {
				state.words.push(state.current);
				state.current = null;
			}
		} else {
			if (state.current === null) {
				state.current = '';
				state.start = i;
			}

			if (c === "'" || c === '"') {
				state.quote = c;
			} else if (c === '\\') {
				state.escaped = true;
			} else {
				state.current += c;
			}
		}
	}

	return state;
}

/** The words of a whole line, or why it is not finished (an open quote, a trailing backslash). */
export function splitLine(line: string): SplitLine {
	const {words, current, quote, escaped} = scan(line);
	if (quote !== null) {
		return {ok: false, error: `the ${quote === "'" ? 'single' : 'double'} quote is not closed: close it, or put a backslash before it`};
	}

	if (escaped) {
		return {ok: false, error: 'the line ends with a backslash, which escapes nothing: remove it'};
	}

	return {ok: true, words: current === null ? words : [...words, current]};
}

/** A line cut at the cursor: the finished words, and the word being typed (as typed, and unquoted). */
export type PartialLine = {words: string[]; current: string; raw: string; quote: Quote | null};

export function partialLine(line: string): PartialLine {
	const {words, current, start, quote} = scan(line);
	return current === null ? {words, current: '', raw: '', quote: null} : {words, current, raw: line.slice(start), quote};
}

/** Text to add to a word being typed: escaped for where it goes (inside a quote, or not). */
export function escapeFor(text: string, quote: Quote | null): string {
	if (quote === "'") {
		return text.replaceAll("'", `'\\''`);
	}

	if (quote === '"') {
		return text.replaceAll(/["\\]/g, '\\$&');
	}

	return text.replaceAll(/[^\w@%+=:,./-]/g, '\\$&');
}
