/**
 * `tm heartbeat`, `tm progress N [TEXT…]`, `tm ready`, `tm checkpoint DATA|-` (SPEC §5): one
 * notify message for a task.
 *
 * Inside a task (TM_NOTIFY_FD names an open pipe or socket) the line is written to that fd, as
 * `echo WATCHDOG=1 >&3` would; no socket, no daemon round trip. Outside one, or with
 * `--task ID`, it goes over the control socket with the `notify` method. A task whose fd 3 was
 * closed falls back to the socket for its own TM_TASK_ID.
 */
import {fstatSync, writeSync} from 'node:fs';
import type {Command} from 'commander';
import {TmError} from '../core/errors.js';
import {withClient} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {printJson, reportError} from './output.js';

export type NotifyOptions = GlobalOptions & {task?: string};

/** The most CHECKPOINT= may carry (the daemon drops longer lines). */
export const maxCheckpointBytes = 64 * 1024;

/** How a command reads `-` (stdin); tests give their own. */
export type NotifyInput = {readStdin(limit: number): Promise<Buffer>};

function usage(message: string): never {
	throw new TmError('E_USAGE', message);
}

function oneLine(text: string, what: string, fix: string): void {
	if (/[\r\n]/.test(text)) {
		usage(`${what} cannot contain a line break: each notify message is one line on the notify pipe (${fix})`);
	}
}

/** `PROGRESS=42 copying 3/7`; the percent is 0–100 (decimals allowed), the text one line. */
export function progressLine(percent: string, words: string[]): string {
	const value = Number(percent);
	if (!/^\d{1,3}(?:\.\d+)?$/.test(percent) || value > 100) {
		usage(`progress takes a percent from 0 to 100, got "${percent}" (e.g. tm progress 42 copying 3/7)`);
	}

	const text = words.join(' ').trim();
	oneLine(text, 'the progress text', 'put it on one line');
	return text === '' ? `PROGRESS=${percent}` : `PROGRESS=${percent} ${text}`;
}

/** `CHECKPOINT=data`; at most 64 KiB on one line. */
export function checkpointLine(data: string): string {
	oneLine(data, 'checkpoint data', 'encode it on one line, e.g. with base64 -w0 or as JSON, or save a file and checkpoint its path');
	const bytes = Buffer.byteLength(data);
	if (bytes > maxCheckpointBytes) {
		usage(`checkpoint data is ${bytes} bytes; at most ${maxCheckpointBytes} (64 KiB) fit in one notify message: save a file and checkpoint its path`);
	}

	return `CHECKPOINT=${data}`;
}

/** Blocks the thread for `ms` (a full pipe: the daemon is reading it). */
function pause(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes `text` to the notify fd. False when the fd is not usable (not open, not a pipe or a
 * socket, closed by the daemon): then the caller uses the socket.
 */
export function writeNotifyFd(fd: number, text: string): boolean {
	try {
		const stat = fstatSync(fd);
		if (!stat.isFIFO() && !stat.isSocket()) {
			return false;
		}
	} catch {
		return false;
	}

	const data = Buffer.from(text);
	let offset = 0;
	const deadline = Date.now() + 10_000;
	while (offset < data.length) {
		try {
			offset += writeSync(fd, data, offset, data.length - offset);
		} catch (error) {
			// The pipe may be non-blocking and full for a moment; anything else means no reader.
			if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) {
				if (offset > 0) {
					throw new TmError('E_INTERNAL', `the notify fd ${fd} failed after ${offset} of ${data.length} bytes: ${(error as Error).message}`);
				}

				return false;
			}

			pause(5);
		}
	}

	return true;
}

/** The notify fd of the task this command runs in, or null outside a task. */
function notifyFd(env: Deps['env']): number | null {
	const text = env['TM_NOTIFY_FD'];
	return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** Sends one line: to the notify fd inside a task, else over the socket for `--task` or TM_TASK_ID. */
export async function sendNotify(verb: string, line: string, options: NotifyOptions, deps: Deps): Promise<number> {
	const fd = options.task === undefined ? notifyFd(deps.env) : null;
	try {
		if (fd !== null && writeNotifyFd(fd, `${line}\n`)) {
			if (options.json) {
				printJson(deps.io, {ok: true, via: 'fd', task: deps.env['TM_TASK_ID'] ?? null});
			}

			return 0;
		}
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}

	const task = options.task ?? deps.env['TM_TASK_ID'];
	if (task === undefined || task === '') {
		return reportError(
			deps.io,
			options.json,
			new TmError('E_USAGE', `tm ${verb}: not inside a task (TM_NOTIFY_FD is not set); name the task: tm ${verb} --task ID`),
		);
	}

	return withClient(
		options,
		deps,
		async client => {
			await client.call('notify', {task, lines: [line]});
			if (options.json) {
				printJson(deps.io, {ok: true, via: 'socket', task});
			}

			return 0;
		},
		{task},
	);
}

/** Reads stdin up to one byte past `limit` (enough to say it is too long). */
async function readProcessStdin(limit: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
		chunks.push(chunk);
		size += chunk.length;
		if (size > limit) {
			process.stdin.destroy();
			break;
		}
	}

	return Buffer.concat(chunks);
}

/** The checkpoint from its argument, or from stdin for `-` (one trailing line break dropped). */
export async function checkpointData(argument: string, input: NotifyInput): Promise<string> {
	if (argument !== '-') {
		return argument;
	}

	const data = (await input.readStdin(maxCheckpointBytes + 2)).toString('utf8');
	return data.replace(/\r?\n$/, '');
}

async function lineOf(build: () => string | Promise<string>, options: NotifyOptions, deps: Deps): Promise<string | number> {
	try {
		return await build();
	} catch (error) {
		return reportError(deps.io, options.json, error);
	}
}

export async function runNotify(
	verb: 'heartbeat' | 'progress' | 'ready' | 'checkpoint',
	args: string[],
	options: NotifyOptions,
	deps: Deps,
	input: NotifyInput = {readStdin: readProcessStdin},
): Promise<number> {
	const line = await lineOf(
		async () => {
			switch (verb) {
				case 'heartbeat': {
					return 'WATCHDOG=1';
				}

				case 'ready': {
					return 'READY=1';
				}

				case 'progress': {
					return progressLine(args[0] ?? '', args.slice(1));
				}

				case 'checkpoint': {
					return checkpointLine(await checkpointData(args[0] ?? '', input));
				}
			}
		},
		options,
		deps,
	);
	return typeof line === 'number' ? line : sendNotify(verb, line, options, deps);
}

const taskOption = '--task <id>';
const taskHelp = 'the task to speak for, over the socket (default: the task this runs in, through TM_NOTIFY_FD)';

export function registerNotify(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('heartbeat')
		.description("tell the daemon the task is alive (WATCHDOG=1): restarts its watchdog's timer")
		.option(taskOption, taskHelp)
		.action(async (options: NotifyOptions, command: Command) => {
			done(await runNotify('heartbeat', [], {...command.optsWithGlobals(), ...options}, deps));
		});
	program
		.command('progress')
		.description('report progress in percent, with an optional text (PROGRESS=42 copying 3/7)')
		.argument('<percent>', '0 to 100')
		.argument('[text...]', 'what is happening, on one line')
		.option(taskOption, taskHelp)
		.action(async (percent: string, text: string[], options: NotifyOptions, command: Command) => {
			done(await runNotify('progress', [percent, ...text], {...command.optsWithGlobals(), ...options}, deps));
		});
	program
		.command('ready')
		.description('tell the daemon the task is ready (READY=1, for ready: fd)')
		.option(taskOption, taskHelp)
		.action(async (options: NotifyOptions, command: Command) => {
			done(await runNotify('ready', [], {...command.optsWithGlobals(), ...options}, deps));
		});
	program
		.command('checkpoint')
		.description('save a checkpoint (one line, ≤ 64 KiB); the next attempt gets it in TM_CHECKPOINT')
		.argument('<data>', 'the checkpoint, or - to read it from stdin')
		.option(taskOption, taskHelp)
		.action(async (data: string, options: NotifyOptions, command: Command) => {
			done(await runNotify('checkpoint', [data], {...command.optsWithGlobals(), ...options}, deps));
		});
}
