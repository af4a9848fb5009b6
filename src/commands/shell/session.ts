/**
 * One `tm shell` session: each line is split into words as a command line is, and run by the
 * same program as `tm` on the command line (`main`, the same deps), so every command behaves as
 * it does there and connects to the daemon as it does there. The shell adds its own words
 * (`help`, `exit`/`quit`, `shutdown`) and, in a terminal, Ctrl-C: a command that listens for it
 * (`logs -f`, `top`) gets it; any other is no longer waited for (its output is dropped) and the
 * prompt comes back.
 */
import {suggest} from '../../core/config/suggest.js';
import {messageOf} from '../../core/errors.js';
import type {Deps, Io} from '../deps.js';
import {commands, main} from '../program.js';
import type {HistoryFile} from './history-file.js';
import {leaveWords, shellWords} from './shell-words.js';
import {splitLine} from './words.js';

export type SessionOptions = {
	deps: Deps;
	/** Global options given to `tm shell` (`--home X`), put before every command. */
	prefix: readonly string[];
	/** In a terminal, the shell routes Ctrl-C; from a pipe or a file, the system does (it ends the shell). */
	terminal: boolean;
	/** Where typed lines are kept; null when not in a terminal. */
	history: HistoryFile | null;
	/** The text `help` prints. */
	help(): Promise<string>;
};

/** What a line does: an exit code, or the end of the session. */
type Outcome = number | 'leave';

/** The command running: its Ctrl-C handlers, and how to stop waiting for it. */
type Run = {handlers: Set<() => void>; abandon(): void};

/** tm's commands (`help` too), known without loading them. */
const known: ReadonlySet<string> = new Set([...commands.map(entry => entry.name), 'help']);

export class ShellSession {
	readonly #options: SessionOptions;
	#run: Run | null = null;
	/** Ctrl-C came after Enter, before the line's command began. */
	#pending = false;

	constructor(options: SessionOptions) {
		this.#options = options;
	}

	/**
	 * Runs every line until `exit`, `quit` or their end. From a pipe or a file, the exit code is
	 * the last command's (as `sh < file`); a person leaving a terminal gets 0.
	 */
	async run(lines: AsyncIterable<string>): Promise<number> {
		const {deps, history, terminal} = this.#options;
		// SIGINT from elsewhere (kill -INT) is routed as Ctrl-C is.
		const off = terminal ? deps.onSignal(['SIGINT'], () => this.#interrupt()) : () => {};
		let code = 0;
		try {
			for await (const line of lines) {
				history?.add(line);
				const outcome = await this.#line(line);
				this.#pending = false;
				if (outcome === 'leave') {
					break;
				}

				code = outcome;
			}
		} finally {
			off();
		}

		return terminal ? 0 : code;
	}

	/** Ctrl-C, typed while a line runs. */
	ctrlC(): void {
		this.#options.deps.io.err('^C\n');
		if (this.#run === null) {
			this.#pending = true;
		} else {
			this.#interrupt();
		}
	}

	async #line(line: string): Promise<Outcome> {
		const {io} = this.#options.deps;
		const split = splitLine(line);
		if (!split.ok) {
			io.err(`tm: ${split.error}\n`);
			return 2;
		}

		const [verb, ...rest] = split.words;
		if (verb === undefined) {
			return 0;
		}

		if (leaveWords.has(verb)) {
			return 'leave';
		}

		if (verb === 'help' && rest.length === 0) {
			io.out(await this.#options.help());
			return 0;
		}

		if (verb === 'shell') {
			io.err('tm: this is tm shell already (exit leaves it)\n');
			return 2;
		}

		if (!known.has(verb) && verb !== 'shutdown' && !verb.startsWith('-')) {
			const hint = suggest(verb, [...known, ...shellWords.flatMap(word => word.words)]);
			io.err(`tm: unknown command '${verb}'${hint === null ? '' : ` (did you mean ${hint}?)`}; help lists the commands\n`);
			return 2;
		}

		return this.#command(verb === 'shutdown' ? ['down', ...rest] : split.words);
	}

	/** Runs one command line through `main`, as `tm` would. */
	async #command(argv: string[]): Promise<number> {
		if (this.#pending) {
			return 130;
		}

		const {deps, prefix} = this.#options;
		let muted = false;
		const io: Io = {
			out: text => muted || deps.io.out(text),
			err: text => muted || deps.io.err(text),
			isTTY: deps.io.isTTY,
			// A command typed here never opens another shell.
			terminal: false,
		};
		let abandon = (): void => {};
		const abandoned = new Promise<number>(resolve => {
			abandon = () => {
				muted = true;
				resolve(130);
			};
		});
		const run: Run = {handlers: new Set(), abandon};
		this.#run = run;
		const running = main([...prefix, ...argv], {...deps, io, onSignal: (signals, handler) => this.#onSignal(run, signals, handler)});
		// Once no longer waited for, whatever becomes of it is nobody's to report.
		running.catch(() => {});
		try {
			return await Promise.race([running, abandoned]);
		} catch (error) {
			deps.io.err(`tm: internal error: ${messageOf(error)}\n`);
			return 1;
		} finally {
			this.#run = null;
		}
	}

	/** A command's signal handlers: its Ctrl-C goes through the shell (while it is the one running), the other signals to the process. */
	#onSignal(run: Run, signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void {
		const {deps, terminal} = this.#options;
		if (!terminal || !signals.includes('SIGINT')) {
			return deps.onSignal(signals, handler);
		}

		const onInterrupt = (): void => handler('SIGINT');
		if (this.#run === run) {
			run.handlers.add(onInterrupt);
		}

		const others = signals.filter(signal => signal !== 'SIGINT');
		const off = others.length > 0 ? deps.onSignal(others, handler) : () => {};
		return () => {
			run.handlers.delete(onInterrupt);
			off();
		};
	}

	#interrupt(): void {
		const run = this.#run;
		if (run !== null && run.handlers.size > 0) {
			for (const handler of [...run.handlers]) {
				handler();
			}
		} else {
			run?.abandon();
		}
	}
}
