/**
 * `tm shell` (and `tm` alone in a terminal): Taskmaster's and supervisorctl's control shell. A
 * prompt with line editing, history kept in `$TM_HOME/shell_history`, Tab completion of
 * commands, options and task names, `help`; every line is a tm command line without `tm`.
 * From a pipe or a file (`tm shell < commands`), the lines are run in turn, without a prompt.
 */
import type {Command} from 'commander';
import {resolveHome, shellHistoryPath} from '../core/paths.js';
import {version} from '../core/version.js';
import {completionModel} from './completion/model.js';
import {connect} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {createProgram} from './program.js';
import {cachedNames, complete, type CompletionSources} from './shell/completer.js';
import {HistoryFile} from './shell/history-file.js';
import {pipedLines, terminalLines, type ShellStreams} from './shell/prompt.js';
import {ShellSession} from './shell/session.js';
import {shellWords} from './shell/shell-words.js';

/** Task ids and program names, from a daemon that answers within a second. */
export async function taskNames(options: GlobalOptions, deps: Deps): Promise<string[]> {
	const client = await connect(options, deps, 1000);
	try {
		const doc = await client.call('status', {names: []}, {timeoutMs: 1000});
		return doc.tasks.flatMap(task => [task.id, task.program]);
	} finally {
		void client.close();
	}
}

/** `help`: tm's commands as `tm --help` lists them, then the shell's own words, wrapped to `columns`. */
export function shellHelp(program: Command, home: string, columns = 80): string {
	const help = program.createHelp();
	help.prepareContext({helpWidth: columns});
	const rows = help
		.visibleCommands(program)
		.filter(command => command.name() !== 'help' && command.name() !== 'shell')
		.map(command => [help.subcommandTerm(command), command.description()] as const);
	const own = shellWords.map(word => [word.usage, word.does] as const);
	const width = Math.max(...[...rows, ...own].map(([term]) => term.length));
	const list = (items: ReadonlyArray<readonly [string, string]>): string => items.map(([term, does]) => `${help.formatItem(term, width, does, help)}\n`).join('');
	const intro =
		'Every tm command, typed without "tm": status, start web, logs -f web, … ' +
		`Tab completes commands, options and task names; ↑ and ↓ walk the history (kept in ${shellHistoryPath(home)}); ` +
		'Ctrl-C clears the line, or stops waiting for a command.';
	return `${help.boxWrap(intro, columns)}\n\nCommands:\n${list(rows)}\nIn this shell:\n${list(own)}`;
}

export async function runShell(options: GlobalOptions, deps: Deps, streams: ShellStreams = process): Promise<number> {
	const terminal = Boolean(streams.stdin.isTTY && streams.stdout.isTTY);
	// With --host, --home names the remote's; the shell's history stays on this machine.
	const home = resolveHome(options.host === undefined ? options.home : undefined, deps.env);
	const prefix = [...(options.home ? ['--home', options.home] : []), ...(options.socket ? ['--socket', options.socket] : []), ...(options.host ?? []).flatMap(host => ['--host', host]), ...(options.json ? ['--json'] : [])];
	// Every command, for `help` and Tab: loaded once, when first needed (at a prompt, from the start).
	const quiet = {...deps, io: {out: () => {}, err: () => {}, isTTY: false}};
	let loading: Promise<Command> | null = null;
	const program = async (): Promise<Command> => (loading ??= createProgram(quiet, () => {}, ['help']));
	const sources: CompletionSources = {
		model: async () => completionModel(await program()),
		taskNames: cachedNames(async () => taskNames(options, deps), () => Date.now()),
	};
	const history = terminal ? new HistoryFile(shellHistoryPath(home), message => deps.io.err(`tm: ${message}\n`)) : null;
	const session = new ShellSession({deps, prefix, terminal, history, help: async () => shellHelp(await program(), home, streams.stdout.columns)});
	if (history === null) {
		return session.run(pipedLines(streams.stdin));
	}

	program().catch(() => {});
	deps.io.out(`tm ${version} shell: help lists the commands, Tab completes, exit or Ctrl-D leaves\n`);
	return session.run(terminalLines(streams, history.load(), async line => complete(line, sources), () => session.ctrlC()));
}

export function registerShell(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('shell')
		.description('a prompt for every command, with history and Tab completion (tm alone in a terminal opens it)')
		.action(async (_options: GlobalOptions, command: Command) => {
			done(await runShell(command.optsWithGlobals(), deps));
		});
}
