/**
 * The options of `tm run` that are a program's keys (`stopsignal`, `stoptime`, `stuck`, `user`,
 * `requires`), read with the config's own parsers so a job and a program take the same words.
 */
import type {Command} from 'commander';
import {parseDuration, parsePercent, parseSignal, parseSize} from '../core/config/units.js';
import {TmError} from '../core/errors.js';
import type {RunParams} from '../core/ipc/methods.js';

export type ProgramLikeOptions = {stopSignal?: string; stopTimeout?: string; stuck?: string; user?: string; memory?: string; cpus?: string};

function usage(message: string): never {
	throw new TmError('E_USAGE', message);
}

/** `--stuck CPU%:DURATION`: `1%:10m` is under 1% of a CPU, with no output or heartbeat, for 10 minutes. */
export function parseStuck(text: string): NonNullable<RunParams['stuck']> {
	const fix = `e.g. --stuck 1%:10m (under 1% CPU for 10 minutes)`;
	const colon = text.indexOf(':');
	if (colon < 0) {
		usage(`--stuck takes CPU%:DURATION, got "${text}" (${fix})`);
	}

	const cpu = parsePercent(text.slice(0, colon));
	if (!cpu.ok) {
		usage(`--stuck: ${cpu.error} before the colon (${fix})`);
	}

	const time = parseDuration(text.slice(colon + 1));
	if (!time.ok || time.value <= 0) {
		usage(`--stuck: ${time.ok ? 'the duration must be longer than 0' : time.error} after the colon (${fix})`);
	}

	return {cpuBelowPercent: cpu.value, forMs: time.value};
}

/** The params these options add; throws E_USAGE naming the bad one. */
export function programLikeParams(options: ProgramLikeOptions): Partial<RunParams> {
	const params: Partial<RunParams> = {};
	if (options.stopSignal !== undefined) {
		const signal = parseSignal(options.stopSignal);
		params.stopSignal = signal.ok ? signal.value : usage(`--stop-signal: ${signal.error}`);
	}

	if (options.stopTimeout !== undefined) {
		const time = parseDuration(options.stopTimeout);
		params.stopTimeoutMs = time.ok ? time.value : usage(`--stop-timeout: ${time.error}`);
	}

	if (options.stuck !== undefined) {
		params.stuck = parseStuck(options.stuck);
	}

	if (options.user !== undefined) {
		params.user = options.user.trim() === '' ? usage('--user takes a user name or a numeric uid') : options.user.trim();
	}

	Object.assign(params, requestParams(options));
	return params;
}

/** `--memory 2G --cpus 1.5`: the job's requests (a program's `requires`). */
function requestParams({memory, cpus}: ProgramLikeOptions): Partial<RunParams> {
	const params: Partial<RunParams> = {};
	if (memory !== undefined) {
		const size = parseSize(memory);
		params.memory = size.ok ? size.value : usage(`--memory: ${size.error} (the memory the job needs: it waits until that much is unclaimed)`);
	}

	if (cpus !== undefined) {
		const count = Number(cpus.trim());
		if (cpus.trim() === '' || !Number.isFinite(count) || count < 0) {
			usage(`--cpus takes a number of CPUs ≥ 0 like 1.5 or 0.25, got "${cpus}"`);
		}

		params.cpus = count;
	}

	return params;
}

export function addProgramLikeOptions(command: Command): Command {
	return command
		.option('--stop-signal <signal>', 'how the job is asked to stop: TERM (default), INT, HUP… (a program\'s stopsignal)')
		.option('--stop-timeout <duration>', 'SIGKILL after this long if it has not stopped (default 10s; a program\'s stoptime)')
		.option('--stuck <cpu%:duration>', 'stop it when under this CPU with no output or heartbeat for this long: 1%:10m (a program\'s stuck)')
		.option('--user <name|uid>', 'run as this user (the daemon must run as root; a program\'s user)')
		.option('--memory <size>', 'memory it needs (2G): it waits until that much of taskmaster.capacity is unclaimed (a program\'s requires.memory)')
		.option('--cpus <n>', 'CPUs it needs (1.5): it waits until that many are unclaimed (a program\'s requires.cpu)');
}
