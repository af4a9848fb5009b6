/**
 * A complete TaskStatus document (SPEC §6) for tests that build status documents by hand: a
 * running service with nothing sampled, changed by `fields`.
 */
import type {TaskStatus} from '../../src/core/ipc/methods.js';

export function taskStatus(id: string, fields: Partial<TaskStatus> = {}): TaskStatus {
	return {
		id,
		name: id,
		program: id.split(':')[0] ?? id,
		kind: 'service',
		state: 'running',
		reason: 'started',
		pid: 100,
		startedAt: null,
		restarts: 0,
		attempt: 1,
		exitCode: null,
		cpu: null,
		memory: null,
		cpuSeconds: null,
		heartbeatAt: null,
		progress: null,
		progressText: null,
		status: null,
		priority: 0,
		backoffUntil: null,
		nextRunAt: null,
		watchdogMs: null,
		want: 'up',
		...fields,
	};
}
