/**
 * `tm completion bash|zsh`: prints a shell completion script. The commands, their options and
 * arguments are read from the commander program itself (what `tm --help` shows), so the script
 * cannot drift from the command line; task names are completed by asking the daemon
 * (`tm status --json`, quietly, with a time limit) when one is up.
 *
 *   bash: source <(tm completion bash)         (or save it in /etc/bash_completion.d/tm)
 *   zsh:  tm completion zsh > "${fpath[1]}/_tm"  (or source <(tm completion zsh) after compinit)
 */
import {constants} from 'node:os';
import type {Command, Option} from 'commander';
import {TmError} from '../core/errors.js';
import type {Deps, GlobalOptions} from './deps.js';
import {reportError} from './output.js';

/** What a word is completed with. */
export type Completer = 'tasks' | 'signals' | 'shells' | 'commands' | 'files' | 'dirs' | 'none';

/** An option: its flags, what it says in --help, and for one that takes a value, its placeholder and completer. */
export type OptionModel = {flags: string[]; description: string; value: Completer | null; placeholder: string | null};
export type CommandModel = {name: string; description: string; options: OptionModel[]; args: Completer[]; variadic: boolean};
export type CompletionModel = {program: string; globalOptions: OptionModel[]; commands: CommandModel[]};

export const shells = ['bash', 'zsh'] as const;
export type Shell = (typeof shells)[number];

/** Signal names without `SIG`, as `tm signal` takes them. */
function signalNames(): string[] {
	return Object.keys(constants.signals)
		.map(name => name.replace(/^SIG/, ''))
		.sort();
}

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

const words = (list: readonly string[]): string => list.join(' ');

/** sed (POSIX BRE) that picks the ids and program names out of \`tm status --json\` (printed one field per line). */
const idLine = 's/^ *"id": "\\(.*\\)",\\{0,1\\}$/\\1/p';
const programLine = 's/^ *"program": "\\(.*\\)",\\{0,1\\}$/\\1/p';

/** A shell word in single quotes. */
const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** The bash function that fills COMPREPLY for one completer, given the current word in `cur`. */
function bashCompleter(completer: Completer): string {
	switch (completer) {
		case 'tasks': {
			return '_tm_tasks';
		}

		case 'signals': {
			return `COMPREPLY=($(compgen -W ${quote(words(signalNames()))} -- "$cur"))`;
		}

		case 'shells': {
			return `COMPREPLY=($(compgen -W ${quote(words(shells))} -- "$cur"))`;
		}

		case 'commands': {
			return 'COMPREPLY=($(compgen -W "$commands" -- "$cur"))';
		}

		case 'files': {
			return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
		}

		case 'dirs': {
			return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
		}

		default: {
			return 'COMPREPLY=()';
		}
	}
}

/** `-c|--config) …;;` lines: what follows an option that takes a value. */
function bashValueCases(options: OptionModel[], indent: string): string[] {
	return options
		.filter(option => option.value !== null)
		.map(option => `${indent}${option.flags.join('|')}) ${bashCompleter(option.value!)}; return;;`);
}

export function bashScript(model: CompletionModel): string {
	const fn = `_${model.program.replaceAll(/\W/g, '_')}`;
	const globalFlags = model.globalOptions.flatMap(option => option.flags);
	const globalValueFlags = model.globalOptions.filter(option => option.value !== null).flatMap(option => option.flags);
	const cases = model.commands.map(command => {
		const valueFlags = command.options.filter(option => option.value !== null).flatMap(option => option.flags);
		const positional = command.args.map((completer, i) => `\t\t\t\t${i}) ${bashCompleter(completer)};;`);
		if (command.variadic && command.args.length > 0) {
			positional.push(`\t\t\t\t*) ${bashCompleter(command.args.at(-1)!)};;`);
		}

		return [
			`\t\t${command.name})`,
			`\t\t\topts=${quote(words(command.options.flatMap(option => option.flags)))}`,
			`\t\t\tvalued=${quote(words(valueFlags))}`,
			'\t\t\tcase $prev in',
			...bashValueCases(command.options, '\t\t\t\t'),
			'\t\t\tesac',
			'\t\t\tif [[ $cur == -* ]]; then',
			'\t\t\t\tCOMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))',
			'\t\t\t\treturn',
			'\t\t\tfi',
			'\t\t\t_tm_position "$valued"',
			'\t\t\tcase $position in',
			...positional,
			'\t\t\t\t*) COMPREPLY=();;',
			'\t\t\tesac',
			'\t\t\t;;',
		].join('\n');
	});

	return `# bash completion for ${model.program}; generated by \`${model.program} completion bash\`.
# Use: source <(${model.program} completion bash), or save it as /etc/bash_completion.d/${model.program}.

# Task names, program names and \`all\`, from the daemon when one answers (quietly, within 2s).
_tm_tasks() {
	local -a ask=(status --json)
	local i
	for ((i = 1; i < \${#words[@]} - 1; i++)); do
		case \${words[i]} in
			--home|--socket) ask+=("\${words[i]}" "\${words[i+1]}");;
		esac
	done
	local limit=()
	command -v timeout >/dev/null 2>&1 && limit=(timeout 2)
	local names
	names=$("\${limit[@]}" "\${words[0]}" "\${ask[@]}" 2>/dev/null | sed -n -e ${quote(idLine)} -e ${quote(programLine)} | sort -u)
	COMPREPLY=($(compgen -W "all $names" -- "$cur"))
}

# The index of the current word among the command's arguments (options and their values skipped).
_tm_position() {
	local valued=" $1 $global_valued " i
	position=0
	for ((i = command_at + 1; i < cword; i++)); do
		case \${words[i]} in
			--) ;;
			-*) [[ $valued == *" \${words[i]} "* ]] && ((i++));;
			*) ((position++));;
		esac
	done
}

${fn}() {
	local -a words
	local cword cur prev
	if [[ -n \${COMP_LINE-} ]]; then
		# Split on blanks only, so web:0 stays one word whatever COMP_WORDBREAKS says.
		local line=\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}
		read -ra words <<<"$line"
		[[ -z $line || $line == *[[:space:]] ]] && words+=("")
		cword=$((\${#words[@]} - 1))
	else
		words=("\${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	cur=\${words[cword]}
	prev=\${words[cword-1]}

	local commands=${quote(words(model.commands.map(command => command.name)))}
	local global_opts=${quote(words(globalFlags))}
	local global_valued=${quote(words(globalValueFlags))}
	local command= command_at=0 i
	for ((i = 1; i < cword; i++)); do
		case \${words[i]} in
			${globalValueFlags.join('|') || '--'}) ((i++));;
			-*) ;;
			*) command=\${words[i]}; command_at=$i; break;;
		esac
	done

	case $prev in
${bashValueCases(model.globalOptions, '\t\t').join('\n')}
	esac

	local opts valued position
	case $command in
		'')
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$commands" -- "$cur"))
			fi
			;;
${cases.join('\n')}
		*) COMPREPLY=();;
	esac

	# bash splits words at ':' (COMP_WORDBREAKS): drop what it already has before the last colon.
	if [[ $cur == *:* && \${COMP_WORDBREAKS-} == *:* ]]; then
		local prefix=\${cur%"\${cur##*:}"} k
		for k in "\${!COMPREPLY[@]}"; do
			COMPREPLY[k]=\${COMPREPLY[k]#"$prefix"}
		done
	fi
}

complete -F ${fn} ${model.program}
`;
}

/** Text inside '…' for zsh: quotes closed and reopened; brackets escaped (`[description]` of `_arguments`). */
function zshText(text: string): string {
	return text.replaceAll('\\', '\\\\').replaceAll('[', '\\[').replaceAll(']', '\\]').replaceAll("'", "'\\''");
}

function zshAction(completer: Completer): string {
	switch (completer) {
		case 'tasks': {
			return '_tm_tasks';
		}

		case 'signals': {
			return `(${words(signalNames())})`;
		}

		case 'shells': {
			return `(${words(shells)})`;
		}

		case 'commands': {
			return '_tm_commands';
		}

		case 'files': {
			return '_files';
		}

		case 'dirs': {
			return '_files -/';
		}

		default: {
			return ' ';
		}
	}
}

function zshOptionSpecs(options: OptionModel[]): string[] {
	return options.map(option => {
		const value = option.value === null ? '' : `:${option.placeholder ?? option.value}:${zshAction(option.value)}`;
		const description = `[${zshText(option.description)}]`;
		if (option.flags.length === 1) {
			return `'${option.flags[0]}${description}${value}'`;
		}

		const exclusive = `(${option.flags.join(' ')})`;
		return `'${exclusive}'{${option.flags.join(',')}}'${description}${value}'`;
	});
}

export function zshScript(model: CompletionModel): string {
	const fn = `_${model.program.replaceAll(/\W/g, '_')}`;
	// `_describe` splits name:description at the first colon that is not escaped.
	const described = model.commands.map(command => `'${zshText(command.name).replaceAll(':', '\\:')}:${zshText(command.description)}'`);
	const cases = model.commands.map(command => {
		const args = command.args.map((completer, i) => `'${i + 1}:${completer}:${zshAction(completer)}'`);
		if (command.variadic && command.args.length > 0) {
			args.push(`'*:${command.args.at(-1)!}:${zshAction(command.args.at(-1)!)}'`);
		}

		// Global options may come after the command too (tm status --json).
		const own = new Set(command.options.flatMap(option => option.flags));
		const global = model.globalOptions.filter(option => option.flags.every(flag => !own.has(flag)) && !option.flags.includes('--version'));
		const specs = [...zshOptionSpecs([...command.options, ...global]), ...args];
		return `\t\t\t\t${command.name}) _arguments -s \\\n\t\t\t\t\t${specs.join(' \\\n\t\t\t\t\t')} ;;`;
	});

	return `#compdef ${model.program}
# zsh completion for ${model.program}; generated by \`${model.program} completion zsh\`.
# Use: ${model.program} completion zsh > "\${fpath[1]}/_${model.program}", or source <(${model.program} completion zsh) after compinit.

# Task names, program names and \`all\`, from the daemon when one answers (quietly, within 2s).
_tm_tasks() {
	local -a ask names limit
	ask=(status --json)
	local i
	for (( i = 1; i < \${#words}; i++ )); do
		case \${words[i]} in
			--home|--socket) ask+=(\${words[i]} \${words[i+1]}) ;;
		esac
	done
	(( \${+commands[timeout]} )) && limit=(timeout 2)
	names=(all \${(f)"$(\${limit[@]} \${service} \${ask[@]} 2>/dev/null | sed -n -e ${quote(idLine)} -e ${quote(programLine)} | sort -u)"})
	compadd -a names
}

_tm_commands() {
	local -a commands
	commands=(
		${described.join('\n\t\t')}
	)
	_describe -t commands '${model.program} command' commands
}

${fn}() {
	local curcontext=$curcontext state line
	typeset -A opt_args
	_arguments -C \\
		${zshOptionSpecs(model.globalOptions).join(' \\\n\t\t')} \\
		'1: :_tm_commands' \\
		'*:: :->args'
	case $state in
		args)
			curcontext=\${curcontext%:*:*}:${model.program}-$words[1]:
			case $words[1] in
${cases.join('\n')}
			esac
			;;
	esac
}

if [[ $funcstack[1] == ${fn} ]]; then
	${fn} "$@"
else
	compdef ${fn} ${model.program}
fi
`;
}

export function runCompletion(shell: string, program: Command, options: GlobalOptions, deps: Deps): number {
	if (!(shells as readonly string[]).includes(shell)) {
		return reportError(deps.io, options.json, new TmError('E_USAGE', `completion: expected ${shells.join(' or ')}, got "${shell}"`));
	}

	const model = completionModel(program);
	deps.io.out(shell === 'bash' ? bashScript(model) : zshScript(model));
	return 0;
}

export function registerCompletion(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('completion')
		.description('print a bash or zsh completion script')
		.argument('<shell>', shells.join(' or '))
		.action((shell: string, _options: GlobalOptions, command: Command) => {
			done(runCompletion(shell, program, command.optsWithGlobals(), deps));
		});
}
