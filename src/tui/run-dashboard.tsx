// @jsxRuntime automatic
// @jsxImportSource react
/**
 * `tm top` as a program: attach to the daemon, take over the terminal (alternate screen, raw
 * keys), run the dashboard, and give the terminal back as it was on every way out: `q`,
 * Ctrl-C, SIGTERM/SIGHUP/SIGINT, an error in the dashboard, or the process exiting.
 */
import {render} from 'ink';
import {TmError} from '../core/errors.js';
import {App} from './app.js';
import {Profiler} from './profile.js';
import {Session} from './session.js';
import {createTheme, themeOptionsFromEnv} from './theme.js';

export type DashboardOptions = {
	socketPath: string;
	/** `--interval`: how often cpu, memory and heartbeats are refreshed. */
	intervalMs: number;
	/** `--low-bandwidth`: fewer frames, slower log flushes, no colour. */
	lowBandwidth: boolean;
	env: Record<string, string | undefined>;
	stdin: NodeJS.ReadStream;
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	/** Registers a process signal handler; returns a function that removes it. */
	onSignal(signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void;
};

/** Enter the alternate screen (once: re-sending it per frame makes some terminals strobe). */
export const enterScreen = '\u001B[?1049h\u001B[H';
/** Show the cursor, leave the alternate screen, reset attributes. */
export const leaveScreen = '\u001B[0m\u001B[?25h\u001B[?1049l';

/** Runs the dashboard until the person quits. Throws before touching the terminal when the daemon cannot be reached. */
export async function runDashboard(options: DashboardOptions): Promise<number> {
	const {stdin, stdout, stderr, env} = options;
	if (!stdout.isTTY || !stdin.isTTY) {
		throw new TmError('E_USAGE', 'tm top needs a terminal (stdin and stdout must be a TTY); `tm status` prints the same table');
	}

	let notice: ((text: string, error: boolean) => void) | null = null;
	const session = new Session({
		socketPath: options.socketPath,
		intervalMs: options.intervalMs,
		logFlushMs: options.lowBandwidth ? 500 : 100,
		dataGapMs: options.lowBandwidth ? 250 : 50,
		onNotice: (text, error) => notice?.(text, error),
	});
	try {
		await session.start();
	} catch (error) {
		await session.close();
		throw error;
	}

	const profiler = env['TM_TOP_PROFILE'] ? new Profiler(env['TM_TOP_PROFILE']) : null;
	profiler?.wrap(stdout);

	let restored = false;
	const restore = (): void => {
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
	const theme = createTheme(themeOptionsFromEnv(env, options.lowBandwidth));
	const instance = render(
		<App
			session={session}
			theme={theme}
			onQuit={() => finish(0)}
			onNotice={listener => {
				notice = listener;
			}}
			onKey={profiler ? () => profiler.key() : undefined}
			logFlushMs={options.lowBandwidth ? {normal: 500, large: 500} : {normal: 100, large: 250}}
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
