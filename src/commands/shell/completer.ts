/**
 * Tab at `tm shell`: commands, their options, and their arguments as the completion scripts
 * complete them (the same model, read from the commander program: task names, signals, shells,
 * commands). Task names come from the daemon, asked briefly and kept for a moment, so Tab never
 * waits long and never hangs without a daemon.
 */
import {shells, type Completer, type CommandModel, type CompletionModel, type OptionModel} from '../completion/model.js';
import {signalNames} from '../completion/shell-words.js';
import {shellWords} from './shell-words.js';
import {escapeFor, partialLine} from './words.js';

export type CompletionSources = {
	/** tm's commands and options, as `tm --help` shows them. */
	model(): Promise<CompletionModel>;
	/** Task ids and program names; none when no daemon answers in time. */
	taskNames(): Promise<string[]>;
};

/** What readline takes: the candidates, and the text at the cursor they replace. */
export type Completion = [string[], string];

/** The commands the shell runs: tm's (but `shell`, being in it) and its own words. */
export function shellVerbs(model: CompletionModel): string[] {
	const verbs = model.commands.map(command => command.name).filter(name => name !== 'shell');
	return [...new Set([...verbs, ...shellWords.flatMap(word => word.words)])].sort();
}

function optionOf(options: readonly OptionModel[], flag: string | undefined): OptionModel | undefined {
	return flag === undefined ? undefined : options.find(option => option.flags.includes(flag));
}

/** The completer of the next argument: positional arguments counted, options and their values skipped. */
function argumentCompleter(command: CommandModel, options: readonly OptionModel[], after: readonly string[]): Completer | undefined {
	let position = 0;
	for (let i = 0; i < after.length; i++) {
		const word = after[i]!;
		if (word.startsWith('-')) {
			i += optionOf(options, word)?.value && !word.includes('=') ? 1 : 0;
		} else {
			position++;
		}
	}

	return command.args[position] ?? (command.variadic ? command.args.at(-1) : undefined);
}

async function values(completer: Completer | null | undefined, model: CompletionModel, sources: CompletionSources): Promise<string[]> {
	switch (completer) {
		case 'tasks': {
			return ['all', ...(await sources.taskNames())];
		}

		case 'signals': {
			return signalNames();
		}

		case 'shells': {
			return [...shells];
		}

		case 'commands': {
			return model.commands.map(command => command.name);
		}

		default: {
			return [];
		}
	}
}

async function candidates(words: readonly string[], current: string, sources: CompletionSources): Promise<string[]> {
	const model = await sources.model();
	const [verb, ...after] = words;
	if (verb === undefined) {
		return shellVerbs(model);
	}

	const command = model.commands.find(each => each.name === verb);
	if (command === undefined) {
		return [];
	}

	const options = [...command.options, ...model.globalOptions];
	if (current.startsWith('-')) {
		return options.flatMap(option => option.flags);
	}

	const taking = optionOf(options, after.at(-1));
	if (taking?.value) {
		return values(taking.value, model, sources);
	}

	return values(argumentCompleter(command, options, after), model, sources);
}

/** The candidates for the line up to the cursor; one candidate is completed with a space after it. */
export async function complete(line: string, sources: CompletionSources): Promise<Completion> {
	const {words, current, raw, quote} = partialLine(line);
	const found = [...new Set(await candidates(words, current, sources))].filter(candidate => candidate.startsWith(current)).sort();
	const typed = found.map(candidate => raw + escapeFor(candidate.slice(current.length), quote));
	return [typed.length === 1 ? [`${typed[0]}${quote ?? ''} `] : typed, raw];
}

/** Task names from `load`, kept for `ttlMs`; a failure counts as none, kept as long. */
export function cachedNames(load: () => Promise<string[]>, now: () => number, ttlMs = 2000): () => Promise<string[]> {
	let kept: {at: number; names: Promise<string[]>} | null = null;
	return async () => {
		if (kept === null || now() - kept.at > ttlMs) {
			kept = {at: now(), names: load().catch(() => [])};
		}

		return kept.names;
	};
}
