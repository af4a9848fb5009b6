/**
 * Why a remote daemon could not be reached, from what ssh and the remote side said: each case
 * a TmError E_DAEMON_NOT_RUNNING (exit 3, "not reachable") whose message names the fix, and
 * whose `details` say which case it was (`reason`) for scripts reading `--json` errors.
 */
import {TmError} from '../errors.js';
import type {SshTarget} from './ssh-url.js';

export type RemoteFailure = 'no-ssh' | 'unreachable' | 'auth' | 'host-key' | 'no-tm' | 'old-tm' | 'no-daemon' | 'protocol' | 'ssh';

export function remoteError(target: SshTarget, reason: RemoteFailure, message: string, cause?: unknown): TmError {
	return new TmError('E_DAEMON_NOT_RUNNING', message, {cause, details: {host: target.label, url: target.url, reason}});
}

/** How a person reaches that host with plain ssh (for the fixes). */
function sshLine(target: SshTarget): string {
	return `ssh ${target.port === null ? '' : `-p ${target.port} `}${target.user === null ? '' : `${target.user}@`}${target.host}`;
}

/** The last line ssh wrote that says something. */
function lastLine(stderr: string): string {
	return (
		stderr
			.split('\n')
			.map(line => line.trim())
			.filter(Boolean)
			.at(-1) ?? ''
	);
}

/** `ssh` itself could not be started. */
export function noSsh(target: SshTarget, command: string, cause: unknown): TmError {
	return remoteError(
		target,
		'no-ssh',
		`cannot reach ${target.url}: no ssh client (\`${command}\` not found); install OpenSSH's client (apt-get install openssh-client), or set TM_SSH_COMMAND`,
		cause,
	);
}

/** ssh ended before the remote tm said anything: exit status and what it wrote on stderr. */
export function sshFailure(target: SshTarget, code: number | null, stderr: string): TmError {
	const at = target.url;
	const said = lastLine(stderr);
	if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
		return remoteError(
			target,
			'host-key',
			`cannot reach ${at}: its host key has CHANGED since it was accepted (someone may be intercepting, or the host was reinstalled); check with the host's admin, then remove the old key with \`ssh-keygen -R ${target.port === null ? target.host : `'[${target.host}]:${target.port}'`}\``,
		);
	}

	if (/Host key verification failed|host key is known|authenticity of host/i.test(stderr)) {
		return remoteError(
			target,
			'host-key',
			`cannot reach ${at}: its host key is not known (tm never turns host key checking off); connect once with \`${sshLine(target)}\` to check and accept it, or add it to ~/.ssh/known_hosts`,
		);
	}

	if (/Permission denied|Too many authentication failures|no more authentication methods/i.test(stderr)) {
		return remoteError(
			target,
			'auth',
			`cannot reach ${at}: the login was refused (${said}); give ssh a key the host accepts (ssh-add, IdentityFile in ~/.ssh/config, or the remote ~/.ssh/authorized_keys), or name the user (ssh://user@host). tm never types a password: a ControlMaster opened by a plain \`${sshLine(target)}\` is used when configured`,
		);
	}

	if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution|Connection refused|timed out|No route to host|Network is unreachable|Connection reset|Connection closed by remote host|kex_exchange_identification/i.test(stderr)) {
		return remoteError(target, 'unreachable', `cannot reach ${at}: ${said}; check the host name and port, that sshd runs there, and the network (\`${sshLine(target)}\` shows the same)`);
	}

	if (code === 127 || /command not found|: not found|No such file or directory/.test(said)) {
		return remoteError(
			target,
			'no-tm',
			`no \`${target.tm}\` on ${at} (${said || `exit ${code}`}): install tm there, or give its path in the address (${target.url}${target.url.includes('?') ? '&' : '?'}tm=/path/to/tm); a non-interactive ssh session may not read the PATH of your login profile`,
		);
	}

	if (/unknown command 'dial-stdio'|unknown option '--(mux|exec)'/.test(stderr)) {
		return remoteError(target, 'old-tm', `the tm on ${at} is too old for --host (it has no \`tm dial-stdio\`): install this tm release there`);
	}

	return remoteError(target, 'ssh', `cannot reach ${at}: ssh ended (${code === null ? 'killed' : `exit ${code}`})${said ? `: ${said}` : ''}`);
}
