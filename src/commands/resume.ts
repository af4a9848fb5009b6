/**
 * `tm resume ID… [--json]`: thaw paused tasks (their cgroup, else SIGCONT to the process group).
 */
import type {Command} from 'commander';
import type {Deps} from './deps.js';
import {registerJobAction} from './job-action.js';

export function registerResume(program: Command, deps: Deps, done: (code: number) => void): void {
	registerJobAction(program, deps, done, 'resume', 'continue paused tasks (thaw their cgroup, else SIGCONT to the process group)');
}
