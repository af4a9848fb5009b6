/**
 * `tm down`: stops every task and the daemon, and returns once the daemon is gone.
 */
import type {Command} from 'commander';
import {connect} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export async function runDown(options: GlobalOptions, deps: Deps): Promise<number> {
	try {
		const client = await connect(options, deps);
		const pid = client.server.pid;
		const gone = new Promise<void>(resolve => client.onClose(() => resolve()));
		await client.call('shutdown', {});
		// The daemon closes the socket once every task has stopped.
		await gone;
		if (options.json) {
			printJson(deps.io, {ok: true, pid});
		} else {
			deps.io.out(`tm: daemon ${pid} stopped\n`);
		}

		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function registerDown(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('down')
		.description('stop every task and the daemon')
		.action(async (_options: GlobalOptions, command: Command) => {
			done(await runDown(command.optsWithGlobals(), deps));
		});
}
