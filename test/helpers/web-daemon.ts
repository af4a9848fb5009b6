/**
 * A real daemon in-process (startDaemon) with its web view on 127.0.0.1 and a free port, real
 * tasks, a temp home, and a cleanup that kills every pid a task ever had.
 */
import {rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {Clock} from '../../src/core/clock.js';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon, type Daemon} from '../../src/core/daemon/index.js';
import type {TaskEventRecord} from '../../src/core/engine.js';
import {tempDir} from './harness.js';
import {waitFor} from './wait.js';

export type WebDaemon = {
	daemon: Daemon;
	dir: string;
	home: string;
	url: string;
	events: TaskEventRecord[];
	waitState(id: string, state: string): Promise<void>;
	cleanup(): Promise<void>;
};

/**
 * `yaml` is the whole config. Unless it sets `http:`, the view listens on 127.0.0.1 and a port
 * the system picks (port 0, which only a config built in code can ask for).
 */
export async function webDaemon(yaml: string, options: {socket?: boolean; before?(dir: string): void; clock?: Clock} = {}): Promise<WebDaemon> {
	const dir = tempDir('tm-web-');
	options.before?.(dir);
	const home = path.join(dir, 'home');
	const file = path.join(dir, 'tm.yaml');
	writeFileSync(file, yaml);
	const loaded = loadConfigText(yaml, file);
	if (!loaded.ok) {
		throw new Error(JSON.stringify(loaded.error));
	}

	// The default a logfile brings (127.0.0.1:4242) too: tests run side by side.
	const {http, httpDefault} = loaded.value.daemon;
	const config = http === null || httpDefault ? {...loaded.value, daemon: {...loaded.value.daemon, http: '127.0.0.1:0', httpDefault: false}} : loaded.value;

	const events: TaskEventRecord[] = [];
	const pids = new Set<number>();
	const daemon = await startDaemon({
		config,
		home,
		cwd: dir,
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin'},
		socketPath: options.socket ? path.join(home, 'tm.sock') : null,
		clock: options.clock,
		onEvent: event => {
			events.push(event);
			if (event.pid !== null) {
				pids.add(event.pid);
			}
		},
	});
	await daemon.recovered;
	return {
		daemon,
		dir,
		home,
		url: daemon.web?.url ?? '',
		events,
		async waitState(id, state) {
			const task = daemon.engine.get(id);
			await waitFor(() => ({state: task.record.state.kind, reason: task.record.state.reason}), s => s.state === state, {what: `${id} to be ${state}`});
		},
		async cleanup() {
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([daemon.shutdown('test cleanup'), new Promise(resolve => (timer = setTimeout(resolve, 15_000)))]);
			clearTimeout(timer);
			for (const pid of pids) {
				for (const target of [-pid, pid]) {
					try {
						process.kill(target, 'SIGKILL');
					} catch {
						// already gone
					}
				}
			}

			rmSync(dir, {recursive: true, force: true});
		},
	};
}

/** A program that prints `tick N` every 100 ms. */
export const tickerCmd = `"sh -c 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'"`;
