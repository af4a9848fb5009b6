/**
 * `tm scale PROGRAM N`: a program runs N instances from now on (new ones start, the
 * highest-numbered stop, the rest are not touched); `tm scale --slots N`: N slots for running
 * tasks. Both hold across restarts of the daemon until the config's value changes.
 */
import type {Command} from 'commander';
import {numprocsLimit} from '../core/config/defaults.js';
import {TmError} from '../core/errors.js';
import type {ScaleParams, ScaleResult} from '../core/ipc/methods.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type ScaleOptions = GlobalOptions & {slots?: string};

/** A whole number in [min, max], or E_USAGE naming what it was for. */
function wholeNumber(text: string, what: string, min: number, max?: number): number {
	const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
	if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
		const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
		throw new TmError('E_USAGE', `${what} must be a whole number ${range}, got "${text}"`);
	}

	return value;
}

/** The command line as the daemon's params; throws E_USAGE for anything else. */
export function scaleParams(args: string[], slots: string | undefined): ScaleParams {
	if (slots !== undefined) {
		if (args.length > 0) {
			throw new TmError('E_USAGE', 'tm scale --slots N takes no program: tm scale PROGRAM N scales a program');
		}

		return {slots: wholeNumber(slots, '--slots', 1)};
	}

	const [program, count, ...rest] = args;
	if (program === undefined || count === undefined || rest.length > 0) {
		throw new TmError('E_USAGE', 'usage: tm scale PROGRAM N (e.g. tm scale web 3), or tm scale --slots N');
	}

	return {program, count: wholeNumber(count, `the number of instances of ${program}`, 0, numprocsLimit)};
}

export function scaleText(result: ScaleResult): string {
	const config = result.configured === result.to ? '' : ` (config says ${result.configured ?? 'no limit'})`;
	if (result.program === null) {
		return `slots: ${result.from ?? 'no limit'} -> ${result.to}${config}\n`;
	}

	const lines = [`${result.program}: ${result.from} -> ${result.to} instances${config}\n`];
	if (result.added.length > 0) {
		lines.push(`added    ${result.added.join(', ')}\n`);
	}

	if (result.removed.length > 0) {
		lines.push(`stopped  ${result.removed.join(', ')}\n`);
	}

	return lines.join('');
}

export async function runScale(args: string[], options: ScaleOptions, deps: Deps): Promise<number> {
	let params: ScaleParams;
	try {
		params = scaleParams(args, options.slots);
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	return withClient(
		options,
		deps,
		async client => {
			const result = await client.call('scale', params);
			if (options.json) {
				printJson(deps.io, result);
			} else {
				deps.io.out(scaleText(result));
			}

			return 0;
		},
		params.program === undefined ? {} : {name: params.program},
	);
}

export function registerScale(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('scale')
		.description("change a program's instance count, or the slots (--slots), until the config's value changes")
		.argument('[args...]', 'PROGRAM N: the program and how many instances it runs')
		.option('--slots <n>', 'slots for running tasks (max_running) instead')
		.action(async (args: string[], options: ScaleOptions, command: Command) => {
			done(await runScale(args, {...command.optsWithGlobals(), ...options}, deps));
		});
}
