/**
 * An engine in a temp home with real processes. Every pid a task ever had is recorded, and
 * `cleanup()` kills each one's process group by PID, whatever state the test left it in.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {systemClock, type Clock} from '../../src/core/clock.js';
import {Engine, type TaskEventRecord} from '../../src/core/engine.js';
import type {Config, DaemonSpec, TaskSpec} from '../../src/core/model.js';
import type {Persist} from '../../src/core/ports.js';
import type {Supervisor} from '../../src/core/supervisor.js';
import {waitFor} from './wait.js';

export function daemonSpec(overrides: Partial<DaemonSpec> = {}): DaemonSpec {
	return {
		logfile: null,
		email: null,
		smtp: null,
		uid: null,
		gid: null,
		http: null,
		httpToken: null,
		maxRunning: null,
		retention: {finishedMs: 7 * 86_400_000, historyMs: 30 * 86_400_000},
		heartbeatIntervalMs: 10_000,
		taskTimeoutMs: 30_000,
		cleanupIntervalMs: 300_000,
		sampleIntervalMs: 2000,
		...overrides,
	};
}

export type Harness = {
	engine: Engine;
	dir: string;
	events: TaskEventRecord[];
	task(id?: string): Supervisor;
	/** Waits until the task is in one of `kinds`; fails with the last state and its reason. */
	waitState(id: string, ...kinds: string[]): Promise<Supervisor>;
	cleanup(): Promise<void>;
};

const made: string[] = [];

/** Every temp folder a test file made goes when its process exits (TM_KEEP_TEMP=1 keeps them to look at). */
function removeMade(): void {
	for (const dir of made) {
		try {
			rmSync(dir, {recursive: true, force: true});
		} catch {
			// a process the test started may still hold it; the system's temp cleaning takes the rest
		}
	}
}

export function tempDir(prefix = 'tm-test-'): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	if (made.length === 0 && process.env['TM_KEEP_TEMP'] !== '1') {
		process.once('exit', removeMade);
	}

	made.push(dir);
	return dir;
}

export function harness(
	specs: TaskSpec[],
	options: {clock?: Clock; daemon?: Partial<DaemonSpec>; persist?: Persist; onWarning?: (message: string) => void} = {},
): Harness {
	const dir = tempDir();
	const config: Config = {file: null, daemon: daemonSpec(options.daemon), programs: []};
	const engine = new Engine(config, specs, {
		clock: options.clock ?? systemClock,
		random: () => 0.5,
		home: dir,
		baseEnv: {PATH: process.env['PATH'] ?? '/usr/bin:/bin'},
		cwd: dir,
		socketPath: null,
		persist: options.persist,
		onWarning: options.onWarning,
	});
	const events: TaskEventRecord[] = [];
	const pids = new Set<number>();
	engine.on(event => {
		events.push(event);
		if (event.pid !== null) {
			pids.add(event.pid);
		}
	});
	const task = (id = specs[0]?.id ?? 'web') => engine.get(id);
	return {
		engine,
		dir,
		events,
		task,
		async waitState(id, ...kinds) {
			const t = task(id);
			await waitFor(
				() => ({state: t.record.state.kind, reason: t.record.state.reason}),
				s => kinds.includes(s.state),
				{what: `${id} to be ${kinds.join(' or ')}`},
			);
			return t;
		},
		async cleanup() {
			for (const t of engine.list()) {
				t.dispatch({type: 'stop', reason: 'test cleanup'});
			}

			for (const pid of pids) {
				try {
					process.kill(-pid, 'SIGKILL');
				} catch {
					// already gone
				}

				try {
					process.kill(pid, 'SIGKILL');
				} catch {
					// already gone
				}
			}

			await Promise.race([engine.idle(), new Promise(resolve => setTimeout(resolve, 5000))]);
			for (const t of engine.list()) {
				t.dispose();
			}

			rmSync(dir, {recursive: true, force: true});
		},
	};
}
