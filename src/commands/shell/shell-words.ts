/**
 * The words `tm shell` has beside tm's commands, with what they do, for its `help` and for
 * `tm exit` on the command line, which gets a "did you mean" like any unknown command.
 */

export type ShellWord = {readonly words: readonly string[]; readonly usage: string; readonly does: string};

export const shellWords: readonly ShellWord[] = [
	{words: ['help'], usage: 'help [command]', does: "this list, or a command's options (also: COMMAND --help)"},
	{words: ['exit', 'quit'], usage: 'exit, quit', does: 'leave the shell (also Ctrl-D); the daemon and its tasks keep running'},
	{words: ['shutdown'], usage: 'shutdown', does: 'stop every task and the daemon (tm down); the shell stays open'},
];

/** Words that leave the shell. */
export const leaveWords: ReadonlySet<string> = new Set(['exit', 'quit']);
