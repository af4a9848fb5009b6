/**
 * `tm restart NAME…|all [--no-wait] [--json]`: restart tasks and wait until they run again.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerTaskAction} from './task-action.js';

export function registerRestart(program: Command, deps: Deps, done: (code: number) => void): void {
	registerTaskAction(program, deps, done, 'restart', 'restart tasks and wait until they run again');
}
