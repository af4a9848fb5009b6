/**
 * The command line as a completion script needs it, read from the commander program itself
 * (what `tm --help` shows), so the scripts cannot drift from the command line.
 */
import type {Command, Option} from 'commander';

/** What a word is completed with. */
export type Completer = 'tasks' | 'signals' | 'shells' | 'commands' | 'files' | 'dirs' | 'none';

/** An option: its flags, what it says in --help, and for one that takes a value, its placeholder and completer. */
export type OptionModel = {flags: string[]; description: string; value: Completer | null; placeholder: string | null};
export type CommandModel = {name: string; description: string; options: OptionModel[]; args: Completer[]; variadic: boolean};
export type CompletionModel = {program: string; globalOptions: OptionModel[]; commands: CommandModel[]};

export const shells = ['bash', 'zsh'] as const;
export type Shell = (typeof shells)[number];

/** The placeholder of an option that takes a value: `file` for `-c, --config <file>`. */
function placeholderOf(option: Option): string | null {
	return /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(option.flags)?.[1] ?? null;
}

/** An option's value completer, from its placeholder: `<file>`, `<path>` → files, `<dir>` → folders. */
function valueOf(placeholder: string | null): Completer | null {
	if (placeholder === null) {
		return null;
	}

	return placeholder === 'file' || placeholder === 'path' ? 'files' : placeholder === 'dir' ? 'dirs' : 'none';
}

function optionModel(option: Option): OptionModel {
	const placeholder = placeholderOf(option);
	return {
		flags: [option.short, option.long].filter((flag): flag is string => typeof flag === 'string'),
		description: option.description,
		value: valueOf(placeholder),
		placeholder,
	};
}

/** An argument's completer, from its name: task names, a signal, a shell, a command. */
function argumentOf(command: string, name: string): Completer {
	if (command === 'help') {
		return 'commands';
	}

	switch (name) {
		case 'name':
		case 'names':
		case 'id':
		case 'ids': {
			return 'tasks';
		}

		case 'signal': {
			return 'signals';
		}

		case 'shell': {
			return 'shells';
		}

		default: {
			return 'files';
		}
	}
}

/** The command line as `tm --help` shows it: visible commands (help included) and options. */
export function completionModel(program: Command): CompletionModel {
	const help = program.createHelp();
	const commands = help.visibleCommands(program).map(command => {
		const args = command.registeredArguments;
		return {
			name: command.name(),
			description: command.description(),
			options: help.visibleOptions(command).map(option => optionModel(option)),
			args: args.map(arg => argumentOf(command.name(), arg.name())),
			variadic: args.at(-1)?.variadic ?? false,
		};
	});
	return {program: program.name(), globalOptions: help.visibleOptions(program).map(option => optionModel(option)), commands};
}
