/**
 * `tm hosts [--json]`: the cluster's members (taskmaster.cluster): name, version, state (alive,
 * lost, left), when each was last seen, slots used of its capacity, the cluster jobs it holds.
 */
import type {Command} from 'commander';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {formatDuration, table} from './format.js';
import {printJson} from './output.js';

export async function runHosts(options: GlobalOptions, deps: Deps): Promise<number> {
	return withClient(options, deps, async client => {
		const doc = await client.call('hosts', {});
		if (options.json) {
			printJson(deps.io, doc);
			return 0;
		}

		const now = Date.now();
		const rows = doc.hosts.map(h => [h.name, h.version, h.state, `${formatDuration(Math.max(0, now - Date.parse(h.lastSeen)))} ago`, `${h.slotsUsed}/${h.capacity}`, String(h.claims)]);
		deps.io.out(table(['NAME', 'VERSION', 'STATE', 'LAST SEEN', 'SLOTS', 'CLAIMS'], rows));
		deps.io.out(`${doc.queued} cluster job${doc.queued === 1 ? '' : 's'} queued\n`);
		return 0;
	});
}

export function registerHosts(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('hosts')
		.description("the cluster's members: state (alive, lost, left), last seen, slots used, claims")
		.action(async (_options: GlobalOptions, command: Command) => {
			done(await runHosts(command.optsWithGlobals(), deps));
		});
}
