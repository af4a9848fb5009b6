/**
 * A complete TaskSpec with supervisord-like defaults, for tests that do not go through the config loader.
 */
import type {TaskSpec} from '../../src/core/model.js';

export function makeSpec(overrides: Partial<TaskSpec> = {}): TaskSpec {
	const argv = overrides.argv ?? ['/bin/sh', '-c', overrides.cmd ?? 'sleep 1000'];
	return {
		id: 'web',
		kind: 'service',
		program: 'web',
		instance: 0,
		retries: 3,
		retryOnTimeout: false,
		name: 'web',
		cmd: 'sleep 1000',
		argv,
		shell: true,
		numprocs: 1,
		umask: null,
		workingdir: null,
		autostart: true,
		autorestart: 'unexpected',
		exitcodes: [0],
		startretries: 3,
		starttimeMs: 1000,
		stopsignal: 'SIGTERM',
		daemonizes: false,
		stoptimeMs: 10_000,
		stdout: null,
		stderr: null,
		env: {},
		user: null,
		group: null,
		priority: null,
		dependsOn: {},
		ready: {kind: 'none'},
		watchdogMs: null,
		heartbeatIntervalMs: null,
		maxRuntimeMs: null,
		maxMemory: null,
		requires: {memory: 0, cpu: 0},
		stuck: null,
		maxRestarts: null,
		backoff: {initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0, resetAfterMs: 60_000},
		log: {maxSize: 10 * 1024 * 1024, backups: 5, timestamps: false},
		schedule: null,
		...overrides,
	};
}
