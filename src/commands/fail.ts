/**
 * `tm fail ID… [--reason TEXT] [--no-wait] [--json]`: move jobs to `failed`, the dead-letter list,
 * by hand (seed 003's MoveToDeadLetter); a running one is stopped first, as `tm cancel` stops it.
 * `tm retry` brings them back. Programs are refused (`tm stop` stops them).
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerFail(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'fail', 'move jobs to failed (the dead-letter list) by hand, stopping them first if they run');
}
