/**
 * `tm resume ID… [--json]`: SIGCONT paused tasks' process groups.
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerResume(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'resume', 'continue paused tasks (SIGCONT to the process group)');
}
