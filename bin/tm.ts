#!/usr/bin/env node
/**
 * The entry point, and the only place that exits.
 */
import {main} from '../src/commands/program.js';

const code = await main(process.argv.slice(2), {
	io: {
		out: text => process.stdout.write(text),
		err: text => process.stderr.write(text),
		isTTY: Boolean(process.stdout.isTTY),
	},
	env: process.env,
	cwd: process.cwd(),
	self: {command: process.execPath, args: [...process.execArgv, process.argv[1] ?? '']},
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
});
process.exitCode = code;
