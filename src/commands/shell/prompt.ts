/**
 * Where `tm shell` reads its lines. In a terminal, one readline prompt per line (line editing,
 * ↑/↓ history, Tab): it is closed while the command runs, so the command has the keyboard to
 * itself (`tm top` its keys), but for Ctrl-C, which the shell reads as a key and hands on. From
 * a pipe or a file, the lines as they come, with no prompt.
 */
import {createInterface, emitKeypressEvents, type Interface} from 'node:readline';
import type {Completion} from './completer.js';
import {historySize} from './history-file.js';

export type ShellStreams = {stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream};

export const promptText = 'tm> ';

/** Ctrl-C at the prompt: the line is dropped and a new prompt shows, as in bash. */
function dropLine(rl: Interface, output: NodeJS.WriteStream): void {
	// To the end of the line first, so ^C does not land in the middle of what was typed.
	rl.write(null, {ctrl: true, name: 'e'});
	output.write('^C\r\n');
}

/** A line typed, and what gives the keyboard back once it has run. */
type Answer = {line: string; release: () => void};

/**
 * While a line runs: Ctrl-C as a key, not a signal, handed to `onCtrlC`. A signal would go to
 * the whole process group, helpers included (tsx's esbuild, in development), not only to the
 * command. Returns what gives the keyboard back. Other keys typed meanwhile are dropped.
 */
function holdKeyboard(stdin: NodeJS.ReadStream, onCtrlC: () => void): () => void {
	emitKeypressEvents(stdin);
	const onKey = (_text: string | undefined, key: {ctrl?: boolean; name?: string} | undefined): void => {
		if (key?.ctrl === true && key.name === 'c') {
			onCtrlC();
		}
	};

	stdin.setRawMode(true);
	stdin.on('keypress', onKey);
	stdin.resume();
	return () => {
		stdin.off('keypress', onKey);
		stdin.pause();
		stdin.setRawMode(false);
	};
}

/**
 * One line from the terminal, or null when the person leaves (Ctrl-D on an empty line).
 * `history` (newest first) is read and updated in place. From Enter on, the keyboard is held
 * (`hold`): a Ctrl-C typed right after Enter, even in the same read, reaches the command.
 */
function ask(streams: ShellStreams, history: string[], complete: (line: string) => Promise<Completion>, hold: () => () => void): Promise<Answer | null> {
	// The dashboard lets go of stdin (unref) when it ends; the prompt needs it again.
	streams.stdin.ref();
	return new Promise(resolve => {
		let answer: Answer | null = null;
		const rl = createInterface({
			input: streams.stdin,
			output: streams.stdout,
			terminal: true,
			prompt: promptText,
			history: [...history],
			historySize,
			removeHistoryDuplicates: true,
			tabSize: 4,
			completer(line: string, callback: (error: null, result: Completion) => void) {
				complete(line).then(
					result => callback(null, result),
					() => callback(null, [[], line]),
				);
			},
		});
		rl.on('history', (lines: string[]) => history.splice(0, history.length, ...lines));
		rl.on('line', line => {
			const typed: Answer = {line, release: () => {}};
			answer = typed;
			// Closing gives the terminal its line mode back; hold it again at once.
			rl.close();
			typed.release = hold();
		});
		rl.on('SIGINT', () => {
			dropLine(rl, streams.stdout);
			answer = {line: '', release: () => {}};
			rl.close();
		});
		rl.on('close', () => resolve(answer));
		rl.prompt();
	});
}

/** Lines typed at the terminal until Ctrl-D; Ctrl-C while one runs goes to `onCtrlC`. */
export async function* terminalLines(
	streams: ShellStreams,
	history: string[],
	complete: (line: string) => Promise<Completion>,
	onCtrlC: () => void,
): AsyncGenerator<string> {
	for (;;) {
		const answer = await ask(streams, history, complete, () => holdKeyboard(streams.stdin, onCtrlC));
		if (answer === null) {
			// Ctrl-D leaves the cursor after the prompt.
			streams.stdout.write('\n');
			return;
		}

		try {
			yield answer.line;
		} finally {
			answer.release();
		}
	}
}

/** Lines from a pipe or a file, until its end. */
export async function* pipedLines(stdin: NodeJS.ReadableStream): AsyncGenerator<string> {
	const rl = createInterface({input: stdin, terminal: false, crlfDelay: Number.POSITIVE_INFINITY});
	try {
		yield* rl;
	} finally {
		rl.close();
	}
}
