/**
 * `tm web token [-c FILE] [--json]`: the token the HTTP API's mutations need (docs/web.md):
 * `http_token` when the config sets it, else the one the daemon made at its first start in
 * `$TM_HOME/http.token`. Read from files, so it works with the daemon down.
 */
import {existsSync} from 'node:fs';
import type {Command} from 'commander';
import {loadConfigFile, resolveConfigPath} from '../core/config/index.js';
import {TmError} from '../core/errors.js';
import {httpTokenPath, resolveHome} from '../core/paths.js';
import {readTokenFile} from '../core/web/token.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type WebTokenOptions = GlobalOptions & {config?: string};

/** The config's `http_token`, when a config is found and sets one. */
async function configuredToken(explicit: string | undefined, deps: Deps): Promise<string | null> {
	const file = resolveConfigPath(explicit, {cwd: deps.cwd, xdgConfigHome: deps.env['XDG_CONFIG_HOME'], home: deps.env['HOME'], exists: existsSync});
	if (file === null) {
		return null;
	}

	const loaded = await loadConfigFile(file);
	return loaded.ok ? loaded.value.daemon.httpToken : null;
}

export async function runWebToken(options: WebTokenOptions, deps: Deps): Promise<number> {
	try {
		const home = resolveHome(options.home, deps.env);
		const configured = await configuredToken(options.config, deps);
		const token = configured ?? readTokenFile(home);
		if (token === null) {
			throw new TmError(
				'E_USAGE',
				`no HTTP token yet: a daemon with taskmaster.http makes ${httpTokenPath(home)} at its first start (or set taskmaster.http_token)`,
			);
		}

		if (options.json) {
			printJson(deps.io, {token, source: configured === null ? httpTokenPath(home) : 'http_token'});
		} else {
			deps.io.out(`${token}\n`);
		}

		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function registerWeb(program: Command, deps: Deps, done: (code: number) => void): void {
	const web = program.command('web').description('the HTTP API and web console (taskmaster.http)');
	web
		.command('token')
		.description('print the token the HTTP API needs for every change (http_token, else $TM_HOME/http.token)')
		.option('-c, --config <file>', 'config file whose http_token to print (default ./tm.yaml)')
		.action(async (options: WebTokenOptions, command: Command) => {
			done(await runWebToken({...command.optsWithGlobals(), ...options}, deps));
		});
}
