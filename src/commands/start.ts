/**
 * `tm start NAME…|all [--no-wait] [--json]`: start tasks and wait until they run.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerTaskAction} from './task-action.js';

export function registerStart(program: Command, deps: Deps, done: (code: number) => void): void {
	registerTaskAction(program, deps, done, 'start', 'start tasks and wait until they run');
}
