/**
 * `tm version [--json]`: tm's, Node's and SQLite's versions, the protocol tm speaks, and what a
 * daemon started now would isolate tasks with (cgroups, or process groups and why).
 */
import type {Command} from 'commander';
import {protocolVersion} from '../core/ipc/protocol.js';
import {probeCgroups} from '../core/cgroups/probe.js';
import {version} from '../core/version.js';
import {sqliteVersion} from '../store/readonly.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson} from './output.js';

export function runVersion(options: GlobalOptions, deps: Deps): number {
	const cgroups = deps.env['TM_CGROUPS'] === 'off' ? 'process groups (TM_CGROUPS=off)' : probeCgroups();
	const doc = {tm: version, node: process.versions.node, sqlite: sqliteVersion(), protocol: protocolVersion, cgroups};
	if (options.json) {
		printJson(deps.io, doc);
	} else {
		deps.io.out(`tm ${doc.tm} (node ${doc.node}, sqlite ${doc.sqlite}, protocol ${doc.protocol})\ntasks run in: ${cgroups}\n`);
	}

	return 0;
}

export function registerVersion(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('version')
		.description("tm's, Node's and SQLite's versions, and what tasks run in (cgroups or process groups)")
		.action((_options: GlobalOptions, command: Command) => {
			done(runVersion(command.optsWithGlobals(), deps));
		});
}
