/**
 * `tm top [--interval D] [--low-bandwidth] [--cluster]`: the full-screen dashboard (SPEC §7). The UI is
 * loaded only here, after NODE_ENV is set, so React runs its production build and the other
 * commands never load React at all.
 */
import type {Command} from 'commander';
import type {Connector} from '../core/client/seam.js';
import {parseDuration} from '../core/config/units.js';
import {TmError} from '../core/errors.js';
import {resolveHome, resolveSocket} from '../core/paths.js';
import {connectHost} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {resolveHosts} from './host-targets.js';
import {reportError} from './output.js';

export type TopOptions = GlobalOptions & {interval?: string; lowBandwidth?: boolean; cluster?: boolean};

/** The process's own streams; tests drive `tm top` in a real terminal (tmux) instead. */
export type TopStreams = {stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream};

export async function runTop(options: TopOptions, deps: Deps, streams: TopStreams = process): Promise<number> {
	if (options.json) {
		return reportError(deps.io, true, new TmError('E_USAGE', 'tm top is interactive; `tm status --json` prints the same document'));
	}

	const interval = parseDuration(options.interval ?? (options.lowBandwidth ? '2s' : '1s'));
	if (!interval.ok || interval.value < 100 || interval.value > 60_000) {
		const why = interval.ok ? 'between 100ms and 60s' : interval.error;
		return reportError(deps.io, options.json, new TmError('E_USAGE', `--interval: ${why}, got "${options.interval}"`));
	}

	// Through an alias: the executable's bundler defines process.env.NODE_ENV as a constant and
	// refuses assignments to it (React is already built for production there).
	const env = process.env;
	env['NODE_ENV'] ??= 'production';
	if (streams.stdout.isTTY) {
		// Ink draws nothing until exit when it thinks it runs in CI (a CI variable leaked into an
		// interactive shell would leave a blank screen), and chalk drops every style then.
		delete env['CI'];
		delete env['CONTINUOUS_INTEGRATION'];
	}

	try {
		const {runDashboard} = await import('../tui/run-dashboard.js');
		const hosts = resolveHosts(options, deps.env);
		if (options.cluster === true && hosts?.many === true) {
			throw new TmError('E_USAGE', 'tm top --cluster shows the cluster from one member: give one --host (any member shows every job), not several');
		}

		const socketPath = resolveSocket(options.socket, resolveHome(options.home, deps.env), deps.env);
		const local: Connector = async () => (await import('../core/client/socket-client.js')).SocketClient.connect(socketPath, {client: 'tm-top', timeoutMs: 3000});
		// Each (re)connection is a new ssh session; a ControlMaster makes those cheap.
		const remote = (index: number): Connector => () => connectHost(hosts!.targets[index]!, {...deps, onClient: undefined}, 'tm-top');
		return await runDashboard({
			connect: hosts === null ? local : remote(0),
			...(hosts?.many ? {hosts: hosts.targets.map((target, index) => ({name: target.label, connect: remote(index)}))} : {}),
			cluster: options.cluster === true,
			intervalMs: interval.value,
			lowBandwidth: Boolean(options.lowBandwidth),
			env: deps.env,
			...streams,
			onSignal: (signals, handler) => deps.onSignal(signals, handler),
		});
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export function registerTop(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('top')
		.description('full-screen dashboard: tasks, heartbeats, retries, progress and logs, live')
		.option('--interval <duration>', 'move ages and countdowns on every (default 1s)')
		.option('--low-bandwidth', 'fewer frames, slower log refresh, no colour (slow SSH links)')
		.option('--cluster', "the cluster's jobs (taskmaster.cluster), with the member that holds each in a HOST column")
		.action(async (options: TopOptions, command: Command) => {
			done(await runTop({...command.optsWithGlobals(), ...options}, deps));
		});
}
