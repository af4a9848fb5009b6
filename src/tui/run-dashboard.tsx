// @jsxRuntime automatic
// @jsxImportSource react
/**
 * `tm top` as a program: attach to the daemon, take over the terminal (alternate screen, raw
 * keys), run the dashboard, and give the terminal back as it was on every way out: `q`,
 * Ctrl-C, SIGTERM/SIGHUP/SIGINT, an error in the dashboard, or the process exiting.
 */
// Must stay the first import: it has to run before Ink is evaluated.
import './terminal-mode.js';
import {render} from 'ink';
import type {Connector} from '../core/client/seam.js';
import {TmError} from '../core/errors.js';
import {StartupPages} from '../core/memory.js';
import {applyDashboardHeap} from '../core/v8-flags.js';
import {App} from './app.js';
import {asciiWrites} from './ascii-terminal.js';
import {systemClock, type Clock} from './clock.js';
import {Profiler} from './profile.js';
import {HostsSession, type HostLink} from './hosts-session.js';
import {Session} from './session.js';
import {createTheme, themeOptionsFromEnv} from './theme.js';

export type DashboardOptions = {
	/** Opens a client to the daemon (again after it went away). */
	connect: Connector;
	/** Several daemons in one table (`--host a,b`): each host's connector; `connect` is then unused. */
	hosts?: readonly HostLink[];
	/** `--cluster`: the cluster's jobs, with the member that holds each. */
	cluster?: boolean;
	/** `--interval`: how often ages and countdowns on screen move on. */
	intervalMs: number;
	/** `--low-bandwidth`: fewer frames, slower log flushes, no colour. */
	lowBandwidth: boolean;
	env: Record<string, string | undefined>;
	stdin: NodeJS.ReadStream;
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	/** Registers a process signal handler; returns a function that removes it. */
	onSignal(signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void;
	clock?: Clock;
};

/** Enter the alternate screen (once: re-sending it per frame makes some terminals strobe). */
export const enterScreen = '\u001B[?1049h\u001B[H';
/** Show the cursor, leave the alternate screen, reset attributes. */
export const leaveScreen = '\u001B[0m\u001B[?25h\u001B[?1049l';

/** Connects and takes the first snapshot; a failure leaves nothing open. */
async function startSession(options: DashboardOptions, clock: Clock, onNotice: (text: string, error: boolean) => void): Promise<Session | HostsSession> {
	const settings = {
		clock,
		intervalMs: options.intervalMs,
		logFlushMs: options.lowBandwidth ? 500 : 200,
		dataGapMs: options.lowBandwidth ? 250 : 50,
		onNotice,
	};
	const session = options.hosts === undefined ? new Session({connect: options.connect, cluster: options.cluster === true, ...settings}) : new HostsSession(options.hosts, settings);
	try {
		await session.start();
	} catch (error) {
		await session.close();
		throw error;
	}

	return session;
}

/** Gives the terminal back as it was: raw mode off, the main screen back (once, whichever way out calls it first). */
function terminalRestorer(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): () => void {
	let restored = false;
	return () => {
		if (restored) {
			return;
		}

		restored = true;
		try {
			if (stdin.isTTY) {
				stdin.setRawMode(false);
			}
		} catch {
			// the terminal is gone
		}

		try {
			stdout.write(leaveScreen);
		} catch {
			// the terminal is gone
		}
	};
}

/** Runs the dashboard until the person quits. Throws before touching the terminal when the daemon cannot be reached. */
export async function runDashboard(options: DashboardOptions): Promise<number> {
	const {stdin, stdout, stderr, env} = options;
	if (!stdout.isTTY || !stdin.isTTY) {
		throw new TmError('E_USAGE', 'tm top needs a terminal (stdin and stdout must be a TTY); `tm status` prints the same table');
	}

	applyDashboardHeap();
	let notice: ((text: string, error: boolean) => void) | null = null;
	const clock = options.clock ?? systemClock;
	const session = await startSession(options, clock, (text, error) => notice?.(text, error));
	const profiler = env['TM_TOP_PROFILE'] ? new Profiler(env['TM_TOP_PROFILE']) : null;
	profiler?.wrap(stdout);
	const restore = terminalRestorer(stdin, stdout);
	let finish: (code: number) => void = () => {};
	const finished = new Promise<number>(resolve => {
		finish = resolve;
	});
	let crash: unknown = null;
	const onCrash = (error: unknown): void => {
		crash ??= error;
		finish(1);
	};

	process.once('exit', restore);
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	const offSignals = options.onSignal(['SIGTERM', 'SIGHUP', 'SIGINT'], () => finish(0));

	stdout.write(enterScreen);
	const themeOptions = themeOptionsFromEnv(env, options.lowBandwidth);
	if (!themeOptions.unicode) {
		asciiWrites(stdout);
	}

	const theme = createTheme(themeOptions);
	const instance = render(
		<App
			session={session}
			theme={theme}
			clock={clock}
			onQuit={() => finish(0)}
			onNotice={listener => {
				notice = listener;
			}}
			onKey={profiler ? () => profiler.key() : undefined}
			logFlushMs={options.lowBandwidth ? {normal: 500, large: 500} : {normal: 200, large: 250}}
		/>,
		{
			stdout,
			stdin,
			stderr,
			exitOnCtrlC: false,
			patchConsole: false,
			// Frames follow the data (coalesced above); the cap matters for keys, which render at once.
			maxFps: options.lowBandwidth ? 10 : 60,
			onRender: profiler ? ({renderTime}) => profiler.render(renderTime) : undefined,
		},
	);
	// What loading the dashboard read of the executable goes back once it is up (as the daemon does).
	const pages = new StartupPages(clock);
	pages.settle();
	instance.waitUntilExit().then(
		() => finish(0),
		(error: unknown) => onCrash(error),
	);

	const code = await finished;
	try {
		instance.unmount();
		await instance.waitUntilExit().catch(() => {});
	} finally {
		restore();
		pages.stop();
		profiler?.finish();
		offSignals();
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
		process.off('exit', restore);
		await session.close();
		stdin.pause();
	}

	if (crash !== null) {
		stderr.write(`tm top: ${crash instanceof Error ? (crash.stack ?? crash.message) : String(crash)}\n`);
	}

	return code;
}
