/**
 * `tm alert test`: asks the daemon to mail every `email:` recipient now, through `smtp:`, so a
 * person knows alerts reach them before they are needed.
 */
import type {Command} from 'commander';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export async function runAlertTest(options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const result = await client.call('alertTest', {});
		if (options.json) {
			printJson(deps.io, result);
		} else {
			deps.io.out(`test mail sent to ${result.recipients.join(', ')}\n`);
		}

		return 0;
	});
}

export function registerAlert(program: Command, deps: Deps, done: (code: number) => void): void {
	const alert = program.command('alert').description('mail alerts (taskmaster.email)');
	alert
		.command('test')
		.description('send a test mail to every alert recipient now')
		.action(async (_options: GlobalOptions, command: Command) => {
			done(await runAlertTest(command.optsWithGlobals(), deps));
		});
}
