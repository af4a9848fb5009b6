/**
 * `tm pause ID… [--json]`: freeze running tasks (their cgroup's freezer, else SIGSTOP to the process group).
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerPause(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'pause', 'freeze running tasks (their cgroup, else SIGSTOP to the process group) until tm resume');
}
