/**
 * `tm retry ID… [--delay DURATION | --at TIME] [--json]`: put failed jobs (the dead-letter list) back
 * in the queue for another attempt; with a delay, not to start before then.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerRetry(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'retry', 'put failed jobs back in the queue for another attempt');
}
