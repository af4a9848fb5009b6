/**
 * `tm stop NAME…|all [--no-wait] [--json]`: stop tasks (stop signal, SIGKILL after stoptime) and wait.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerTaskAction} from './task-action.js';

export function registerStop(program: Command, deps: Deps, done: (code: number) => void): void {
	registerTaskAction(program, deps, done, 'stop', 'stop tasks (stop signal, SIGKILL after stoptime) and wait');
}
