/**
 * Builds the `tm` command line. No side effects at import; `main` returns the exit code and
 * never exits, so tests can run any command in-process.
 *
 * Commands load lazily: a command line loads only the module of the command it names, so
 * `tm --version` and `tm status` never pay for the config parser, SQLite or the dashboard. Help
 * and unknown commands load them all. To add a command, add one line to `commands`.
 */
import {Command, CommanderError} from 'commander';
import {version} from '../core/version.js';
import type {Deps} from './deps.js';

export {version} from '../core/version.js';

/**
 * Shell words that are not commands of `tm`: on the command line, each points at `tm down`.
 * Kept here, not beside the shell's words: every command line loads this file and only this one.
 */
export const notCommands: Readonly<Record<string, string>> = {
	exit: '`exit` leaves tm shell; `tm down` stops the daemon and every task',
	quit: '`quit` leaves tm shell; `tm down` stops the daemon and every task',
	shutdown: '`shutdown` is tm shell\'s word for `tm down`, which stops the daemon and every task',
};

/** What a command module exports: adds its command (options, action) to the program. */
export type Register = (program: Command, deps: Deps, done: (code: number) => void) => void;

/**
 * `remote: 'exec'`: the command reads this machine's files (tm.db, a config) rather than ask the
 * daemon, so with --host it runs on that host as a whole (`remote-exec.ts`).
 */
type Entry = {readonly name: string; readonly load: () => Promise<Register>; readonly remote?: 'exec'};

/** Every command, in the order `tm --help` lists them. */
export const commands: readonly Entry[] = [
	{name: 'up', load: async () => (await import('./up.js')).registerUp, remote: 'exec'},
	{name: 'validate', load: async () => (await import('./validate.js')).registerValidate},
	{name: 'history', load: async () => (await import('./history.js')).registerHistory, remote: 'exec'},
	{name: 'events', load: async () => (await import('./events.js')).registerEvents, remote: 'exec'},
	{name: 'db', load: async () => (await import('./db.js')).registerDb, remote: 'exec'},
	{name: 'status', load: async () => (await import('./status.js')).registerStatus},
	{name: 'show', load: async () => (await import('./show.js')).registerShow},
	{name: 'start', load: async () => (await import('./start.js')).registerStart},
	{name: 'stop', load: async () => (await import('./stop.js')).registerStop},
	{name: 'restart', load: async () => (await import('./restart.js')).registerRestart},
	{name: 'down', load: async () => (await import('./down.js')).registerDown},
	{name: 'logs', load: async () => (await import('./logs.js')).registerLogs},
	{name: 'signal', load: async () => (await import('./signal.js')).registerSignal},
	{name: 'startup', load: async () => (await import('./startup.js')).registerStartup},
	{name: 'reload', load: async () => (await import('./reload.js')).registerReload},
	{name: 'scale', load: async () => (await import('./scale.js')).registerScale},
	{name: 'run', load: async () => (await import('./run.js')).registerRun},
	{name: 'tasks', load: async () => (await import('./tasks.js')).registerTasks},
	{name: 'queue', load: async () => (await import('./queue.js')).registerQueue},
	{name: 'hosts', load: async () => (await import('./hosts.js')).registerHosts},
	{name: 'cancel', load: async () => (await import('./cancel.js')).registerCancel},
	{name: 'retry', load: async () => (await import('./retry.js')).registerRetry},
	{name: 'fail', load: async () => (await import('./fail.js')).registerFail},
	{name: 'pause', load: async () => (await import('./pause.js')).registerPause},
	{name: 'resume', load: async () => (await import('./resume.js')).registerResume},
	// One module registers the four notify verbs.
	{name: 'heartbeat', load: async () => (await import('./notify.js')).registerNotify},
	{name: 'progress', load: async () => (await import('./notify.js')).registerNotify},
	{name: 'ready', load: async () => (await import('./notify.js')).registerNotify},
	{name: 'checkpoint', load: async () => (await import('./notify.js')).registerNotify},
	{name: 'alert', load: async () => (await import('./alert.js')).registerAlert},
	{name: 'completion', load: async () => (await import('./completion.js')).registerCompletion},
	{name: 'web', load: async () => (await import('./web.js')).registerWeb, remote: 'exec'},
	{name: 'version', load: async () => (await import('./version.js')).registerVersion},
	{name: 'top', load: async () => (await import('./top.js')).registerTop},
	{name: 'shell', load: async () => (await import('./shell.js')).registerShell},
	{name: 'host', load: async () => (await import('./host.js')).registerHost},
	{name: 'dial-stdio', load: async () => (await import('./dial-stdio.js')).registerDialStdio},
];

const globalOptionsWithValue = new Set(['--socket', '--home', '--host']);

/** `--host` repeats: each value is kept (`a,b` is split later, with TM_HOST's). */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * The commands a command line needs: none for `--version`, the one it names, or every command
 * (help, no command, a misspelt one: the listing and "did you mean" need them all).
 */
export function commandsFor(argv: readonly string[]): readonly Entry[] {
	const words: string[] = [];
	for (let i = 0; i < argv.length && words.length < 2; i++) {
		const arg = argv[i]!;
		if (arg === '--') {
			break;
		}

		if (globalOptionsWithValue.has(arg)) {
			i++;
		} else if (words.length === 0 && (arg === '-V' || arg === '--version')) {
			return [];
		} else if (!arg.startsWith('-')) {
			words.push(arg);
		}
	}

	const [first, second] = words;
	const named = commands.find(entry => entry.name === (first === 'help' ? second : first));
	// `completion` describes every command, so it needs them all too.
	return named === undefined || first === 'help' || first === 'completion' ? commands : [named];
}

export async function createProgram(deps: Deps, done: (code: number) => void, argv: readonly string[] = []): Promise<Command> {
	const program = new Command('tm')
		.description('supervise long-running programs and one-shot jobs')
		.version(version, '-V, --version')
		.option('--json', 'print one JSON document')
		.option('--socket <path>', 'control socket (default $TM_HOME/tm.sock)')
		.option('--home <dir>', 'state folder (default $TM_HOME, else ~/.local/state/tm)')
		.option('--host <host>', 'the daemon on another machine, over ssh: ssh://[user@]host[:port], a name (tm host ls), all; repeat or a,b for several (default $TM_HOST)', collect)
		.showHelpAfterError()
		// Every command's --help lists --json, --socket, --home and --host too.
		.configureHelp({showGlobalOptions: true})
		.exitOverride()
		.configureOutput({
			writeOut: text => deps.io.out(text),
			writeErr: text => deps.io.err(text),
		});
	const registers = new Set(await Promise.all(commandsFor(argv).map(async entry => entry.load())));
	for (const register of registers) {
		register(program, deps, done);
	}

	registerNotCommands(program);
	return program;
}

/**
 * `tm exit`, `tm quit`, `tm shutdown` (words of tm shell, and of Taskmaster's) are unknown
 * commands, with a "did you mean" that commander's spelling distance cannot find: hidden
 * commands that fail as an unknown command does.
 */
function registerNotCommands(program: Command): void {
	for (const [word, why] of Object.entries(notCommands)) {
		program
			.command(word, {hidden: true})
			.helpOption(false)
			.allowUnknownOption()
			.allowExcessArguments()
			.action(() => program.error(`error: unknown command '${word}'\n(Did you mean down? ${why}.)`, {code: 'commander.unknownCommand'}));
	}
}

/** `tm` alone, or with only --home/--socket: in a terminal, that is `tm shell`. */
function opensShell(argv: readonly string[], deps: Deps): boolean {
	if (deps.io.terminal !== true) {
		return false;
	}

	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (globalOptionsWithValue.has(arg)) {
			i++;
		} else if (![...globalOptionsWithValue].some(option => arg.startsWith(`${option}=`))) {
			return false;
		}
	}

	return true;
}

/** Runs one command line (`argv` without node and script) and returns its exit code. */
export async function main(given: string[], deps: Deps): Promise<number> {
	const argv = opensShell(given, deps) ? [...given, 'shell'] : given;
	const named = commandsFor(argv);
	if (named.length === 1 && named[0]!.remote === 'exec') {
		const {execRemotely} = await import('./remote-exec.js');
		const code = await execRemotely(argv, deps);
		if (code !== null) {
			return code;
		}
	}

	let code = 0;
	const program = await createProgram(
		deps,
		result => {
			code = result;
		},
		argv,
	);
	try {
		await program.parseAsync(argv, {from: 'user'});
	} catch (error) {
		if (error instanceof CommanderError) {
			return error.exitCode === 0 ? 0 : 2;
		}

		throw error;
	}

	return code;
}
