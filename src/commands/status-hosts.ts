/**
 * `tm status --host a --host b` (or `a,b`, or `all`): every host asked at once, one table with
 * a HOST column; with --json one document, `{"hosts": [{name, url, status | error}]}`: each
 * host's status document as `tm status --json` prints it, or its error. A host that cannot be reached does not hide the others;
 * the exit code is then that host's (3).
 */
import type {StatusDoc} from '../core/ipc/methods.js';
import type {SshTarget} from '../core/client/ssh-url.js';
import {exitCodeFor, messageOf, TmError} from '../core/errors.js';
import {connectHost} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {table} from './format.js';
import {resolveHosts} from './host-targets.js';
import {printJson, reportError} from './output.js';
import {statusRow} from './status.js';

type Answer = {target: SshTarget; doc: StatusDoc} | {target: SshTarget; error: unknown};

async function ask(target: SshTarget, names: string[], deps: Deps): Promise<Answer> {
	try {
		const client = await connectHost(target, deps, 'tm-status');
		try {
			return {target, doc: await client.call('status', {names})};
		} finally {
			void client.close();
		}
	} catch (error) {
		return {target, error};
	}
}

function errorDoc(error: unknown): Record<string, unknown> {
	const code = error instanceof TmError ? error.code : 'E_INTERNAL';
	return {code, message: messageOf(error), ...(error instanceof TmError ? error.details : {})};
}

/** Several hosts' status; null when the options name one host or none (the plain status). */
export async function runStatusHosts(names: string[], options: GlobalOptions, deps: Deps): Promise<number | null> {
	let hosts;
	try {
		hosts = resolveHosts(options, deps.env);
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	if (hosts === null || !hosts.many) {
		return null;
	}

	const answers = await Promise.all(hosts.targets.map(async target => ask(target, names, deps)));
	if (options.json) {
		printJson(deps.io, {
			hosts: answers.map(answer =>
				'doc' in answer ? {name: answer.target.label, url: answer.target.url, status: answer.doc} : {name: answer.target.label, url: answer.target.url, error: errorDoc(answer.error)},
			),
		});
	} else {
		const now = Date.now();
		const rows = answers.flatMap(answer => ('doc' in answer ? answer.doc.tasks.map(task => [answer.target.label, ...statusRow(task, now)]) : []));
		deps.io.out(table(['HOST', 'NAME', 'STATE', 'PID', 'UPTIME', 'CPU', 'MEM', 'RESTARTS', 'HEARTBEAT', 'INFO'], rows));
		for (const answer of answers) {
			if ('error' in answer) {
				deps.io.err(`tm: ${answer.target.label}: ${messageOf(answer.error)}\n`);
			}
		}
	}

	const failed = answers.find((answer): answer is Extract<Answer, {error: unknown}> => 'error' in answer);
	return failed === undefined ? 0 : exitCodeFor(failed.error instanceof TmError ? failed.error.code : 'E_INTERNAL');
}
