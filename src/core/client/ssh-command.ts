/**
 * The `ssh` command line for a target: the system's ssh (so ~/.ssh/config, agents, jump hosts
 * and known_hosts apply), or `TM_SSH_COMMAND` (`ssh -F ./ssh_config`, as GIT_SSH_COMMAND), with
 * tm's options after the user's: ssh keeps the first value it is given, so the user's win.
 */
import type {SshTarget} from './ssh-url.js';

export type SshCommand = {command: string; args: string[]};

/**
 * Never a prompt (tm reads ssh's stdout as the protocol; `tm top` owns the terminal): no
 * password, no "accept this host key?" — those fail with a message naming the fix. Host keys
 * are checked as ssh always does. A dead link is noticed within 30 s.
 */
const tmOptions = ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=10', '-o', 'ServerAliveCountMax=3'];

/** Splits `TM_SSH_COMMAND` as sh would split plain words and quotes (no expansions). */
export function splitWords(text: string): string[] {
	const words: string[] = [];
	let word: string | null = null;
	let quote: '"' | "'" | null = null;
	for (let i = 0; i < text.length; i++) {
		const c = text[i]!;
		if (quote !== null) {
			if (c === quote) {
				quote = null;
			} else {
				word = (word ?? '') + (c === '\\' && quote === '"' && i + 1 < text.length ? text[++i] : c);
			}
		} else if (c === '"' || c === "'") {
			quote = c;
			word ??= '';
		} else if (/\s/.test(c)) {
			if (word !== null) {
				words.push(word);
			}

			word = null;
		} else {
			word = (word ?? '') + (c === '\\' && i + 1 < text.length ? text[++i] : c);
		}
	}

	if (word !== null) {
		words.push(word);
	}

	return words;
}

/** A word for the remote shell (ssh hands the command to it as one string). `~/x` keeps its tilde. */
export function shellWord(word: string): string {
	if (/^[\w./=:,@%+-]+$/.test(word)) {
		return word;
	}

	if (word.startsWith('~/')) {
		return `~/${shellWord(word.slice(2))}`;
	}

	return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The remote tm's global options for the target's home or socket. */
export function remotePaths(target: SshTarget): string[] {
	return target.socket === null ? (target.home === null ? [] : ['--home', target.home]) : ['--socket', target.socket];
}

/** `ssh … host -- <remote words>`, quoted for the remote shell. */
export function sshCommand(target: SshTarget, remote: readonly string[], env: Record<string, string | undefined>): SshCommand {
	const given = splitWords(env['TM_SSH_COMMAND'] ?? '');
	const [command = 'ssh', ...first] = given;
	const args = [...first, ...tmOptions];
	if (target.port !== null) {
		args.push('-p', String(target.port));
	}

	if (target.user !== null) {
		args.push('-l', target.user);
	}

	args.push('--', target.host, remote.map(word => shellWord(word)).join(' '));
	return {command, args};
}
