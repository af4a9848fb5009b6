/**
 * `tm host add NAME ssh://…`, `tm host ls`, `tm host rm NAME`: names for remote daemons, so
 * `--host web1` (and `--host all`) can stand for an address. Kept in `hosts-file.ts`'s file.
 */
import type {Command} from 'commander';
import {isHostName, parseSshUrl} from '../core/client/ssh-url.js';
import {TmError} from '../core/errors.js';
import type {Deps, GlobalOptions} from './deps.js';
import {table} from './format.js';
import {hostsFilePath, readHosts, writeHosts} from './hosts-file.js';
import {printJson, reportError} from './output.js';

function attempt(options: GlobalOptions, deps: Deps, work: () => void): number {
	try {
		work();
		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function runHostAdd(name: string, url: string, options: GlobalOptions, deps: Deps): number {
	return attempt(options, deps, () => {
		if (!isHostName(name)) {
			throw new TmError('E_USAGE', `host name "${name}": letters, digits, ".", "_" and "-" only (and not "all")`);
		}

		const target = parseSshUrl(url, name);
		const hosts = readHosts(deps.env);
		const old = hosts.get(name);
		if (old !== undefined && old !== target.url) {
			throw new TmError('E_USAGE', `${name} is already ${old}; tm host rm ${name} first`);
		}

		hosts.set(name, target.url);
		const file = writeHosts(deps.env, hosts);
		if (options.json) {
			printJson(deps.io, {name, url: target.url, file});
		} else {
			deps.io.out(`${name} is ${target.url} (kept in ${file})\n`);
		}
	});
}

export function runHostList(options: GlobalOptions, deps: Deps): number {
	return attempt(options, deps, () => {
		const hosts = [...readHosts(deps.env)].map(([name, url]) => ({name, url}));
		if (options.json) {
			printJson(deps.io, {file: hostsFilePath(deps.env), hosts});
		} else if (hosts.length === 0) {
			deps.io.out(`no named hosts yet (tm host add NAME ssh://[user@]host[:port]; kept in ${hostsFilePath(deps.env)})\n`);
		} else {
			deps.io.out(table(['NAME', 'URL'], hosts.map(host => [host.name, host.url])));
		}
	});
}

export function runHostRemove(name: string, options: GlobalOptions, deps: Deps): number {
	return attempt(options, deps, () => {
		const hosts = readHosts(deps.env);
		if (!hosts.delete(name)) {
			throw new TmError('E_USAGE', `no host named ${name} (tm host ls lists them)`);
		}

		writeHosts(deps.env, hosts);
		if (!options.json) {
			deps.io.out(`${name} removed\n`);
		}
	});
}

export function registerHost(program: Command, deps: Deps, done: (code: number) => void): void {
	const host = program.command('host').description('named remote hosts for --host: add, ls, rm');
	host
		.command('add')
		.description('name a remote daemon: tm host add web1 ssh://deploy@web1[?home=DIR]')
		.argument('<name>', 'the name --host will take')
		.argument('<url>', 'ssh://[user@]host[:port][?home=DIR|socket=PATH][&tm=PATH]')
		.action((name: string, url: string, _options: GlobalOptions, command: Command) => done(runHostAdd(name, url, command.optsWithGlobals(), deps)));
	host
		.command('ls')
		.description('the named hosts')
		.action((_options: GlobalOptions, command: Command) => done(runHostList(command.optsWithGlobals(), deps)));
	host
		.command('rm')
		.description('forget a named host')
		.argument('<name>')
		.action((name: string, _options: GlobalOptions, command: Command) => done(runHostRemove(name, command.optsWithGlobals(), deps)));
}
