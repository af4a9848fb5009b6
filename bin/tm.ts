#!/usr/bin/env node
/**
 * The entry point, and the only place that exits. It is also the entry of the single executable
 * (dist/tm, scripts/build.mjs), where it is bundled to CommonJS: so no top-level await here.
 */
import {isSea} from 'node:sea';
import {main} from '../src/commands/program.js';

/** Set once the daemon runs in this process: it never exits for its output (onCrash). */
let daemon = false;

// A reader that goes away (`tm history web | head`) ends a command as it would have ended: no
// stack, the exit code so far. Nothing more can be said on a closed stdout; stderr may be gone too.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE' && !daemon) {
		process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
	}
});
process.stderr.on('error', () => {});

// How to run this same tm again (the background daemon): the executable itself when tm is one
// file; else node with its flags (tsx's loader) and this script.
const self = isSea() ? {command: process.execPath, args: []} : {command: process.execPath, args: [...process.execArgv, process.argv[1] ?? '']};

void main(process.argv.slice(2), {
	io: {
		out: text => process.stdout.write(text),
		err: text => process.stderr.write(text),
		isTTY: Boolean(process.stdout.isTTY),
		terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
	},
	env: process.env,
	cwd: process.cwd(),
	self,
	onCrash(handler) {
		// An 'error' on stdout or stderr (a full disk under tmd.out) with no listener would be fatal.
		daemon = true;
		process.stdout.on('error', () => {});
		process.stderr.on('error', () => {});
		const onError = (error: unknown): void => handler(error);
		process.on('uncaughtException', onError);
		process.on('unhandledRejection', onError);
		return () => {
			process.off('uncaughtException', onError);
			process.off('unhandledRejection', onError);
		};
	},
	onSignal(signals, handler) {
		for (const signal of signals) {
			process.on(signal, handler);
		}

		return () => {
			for (const signal of signals) {
				process.off(signal, handler);
			}
		};
	},
}).then(
	code => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`tm: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exitCode = 1;
	},
);
