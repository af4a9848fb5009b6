/**
 * `tm cancel ID… [--no-wait] [--json]`: stop queued or running jobs for good and wait until they have stopped.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerCancel(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'cancel', 'cancel queued or running jobs and wait until they have stopped');
}
