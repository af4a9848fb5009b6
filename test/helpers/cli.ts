/**
 * Runs `tm` commands in-process through `main()` with captured output.
 */
import path from 'node:path';
import {main} from '../../src/commands/program.js';

export type CliResult = {code: number; out: string; err: string};

export async function tm(argv: string[], options: {cwd?: string; env?: Record<string, string | undefined>} = {}): Promise<CliResult> {
	let out = '';
	let err = '';
	const code = await main(argv, {
		io: {out: t => (out += t), err: t => (err += t), isTTY: false},
		env: options.env ?? {HOME: '/nonexistent-home'},
		cwd: options.cwd ?? process.cwd(),
		onSignal: () => () => {},
		self: {command: process.execPath, args: ['--import', import.meta.resolve('tsx'), path.resolve(import.meta.dirname, '../../bin/tm.ts')]},
	});
	return {code, out, err};
}
