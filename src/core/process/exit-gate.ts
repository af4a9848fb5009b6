/**
 * The one exit report of a task's process (spawner.ts): once the main process has exited and
 * every pipe has closed (so every byte came first), or `drainLimitMs` after the exit when a pipe
 * stays open. At the exit, whatever the task left goes with it: its process group, what it left
 * in sessions of its own (found by its environment, re-parented to the daemon), and, with a
 * cgroup, every process in it (`cgroup.kill`), which also catches a process that cleared its
 * environment. A `daemonizes` program's exit 0 hands over to the process it left instead.
 */
import type {Clock, TimerHandle} from '../clock.js';
import type {TaskCgroup} from '../cgroups/run-cgroup.js';
import {signalProcess, watch} from './native-spawn.js';
import type {OutputPipe} from './pipe-reader.js';
import {processStartTime} from './proc.js';
import {escapedFrom, type Marker} from './reaper.js';
import type {SpawnCallbacks} from './spawner.js';

export type Streams = {stdout: OutputPipe | null; stderr: OutputPipe | null; notify: OutputPipe | null};

/** A read this long found the pipe full at its default room (64 KiB): the pipe is widened. */
const fullRead = 64 * 1024;

/** How long to wait for the pipes to close after the group is gone before giving up on them. */
const drainLimitMs = 5000;

type Exit = {code: number | null; signal: string | null; escaped: number[]; oom: string | null};

export class ExitGate {
	#pid: number | null = null;
	#exited: Exit | null = null;
	#streams: Streams = {stdout: null, stderr: null, notify: null};
	#open = 0;
	#reported = false;
	#drainTimer: TimerHandle | null = null;
	readonly #callbacks: SpawnCallbacks;
	readonly #clock: Clock;
	readonly #marker: Marker | null;
	readonly #daemonizes: boolean;
	readonly #cgroup: TaskCgroup | null;

	constructor(callbacks: SpawnCallbacks, clock: Clock, marker: Marker | null, daemonizes: boolean, cgroup: TaskCgroup | null) {
		this.#callbacks = callbacks;
		this.#clock = clock;
		this.#marker = marker;
		this.#daemonizes = daemonizes;
		this.#cgroup = cgroup;
	}

	get pid(): number | null {
		return this.#pid;
	}

	get exited(): boolean {
		return this.#exited !== null;
	}

	/** The process exists: its pipes' bytes go to the callbacks, and each one's close is counted. */
	wire(pid: number | null, streams: Streams): void {
		this.#pid = pid;
		this.#streams = streams;
		const output = (stream: OutputPipe | null, take: (chunk: Buffer) => void) => (chunk: Buffer) => {
			if (chunk.length >= fullRead) {
				stream?.widen();
			}

			take(chunk);
		};
		const pipes: Array<[OutputPipe | null, (chunk: Buffer) => void]> = [
			[streams.stdout, output(streams.stdout, chunk => this.#callbacks.onStdout(chunk))],
			[streams.stderr, output(streams.stderr, chunk => this.#callbacks.onStderr(chunk))],
			[streams.notify, chunk => this.#callbacks.onNotify(chunk)],
		];
		for (const [stream, onData] of pipes) {
			if (stream !== null) {
				this.#open++;
				stream.read(onData, () => {
					this.#open--;
					this.#report();
				});
			}
		}
	}

	/** The start failed: no process, its cgroup goes. */
	failed(): void {
		this.#cgroup?.release();
	}

	readonly onExit = (code: number | null, signal: string | null): void => {
		const adopted = this.#marker === null ? [] : escapedFrom(this.#marker);
		// The kernel's counter, read before anything else is killed: its kill is the cause.
		const oom = this.#cgroup?.oomReason() ?? null;
		// What it left is found by its environment, or else in its cgroup: a child caught mid-exec,
		// or one that cleared its environment, shows no TM_* variables, but the cgroup holds it.
		if (this.#daemonizes && oom === null && code === 0 && signal === null && this.#handOver(adopted.length > 0 ? adopted : (this.#cgroup?.pids() ?? []))) {
			return;
		}

		// Everything still in the cgroup was left behind, wherever it went (the main process is a zombie now, not listed).
		const inCgroup = this.#cgroup?.pids() ?? [];
		const escaped = [...new Set([...adopted, ...inCgroup])].sort((a, b) => a - b);
		this.#exited = {code, signal, escaped, oom};
		// An empty cgroup has nothing to kill: its main process is dead, so nothing in it forks.
		if (inCgroup.length > 0) {
			this.#cgroup?.kill();
		}

		if (this.#pid !== null) {
			signalProcess(-this.#pid, 'SIGKILL');
		}

		for (const pid of adopted) {
			if (!signalProcess(-pid, 'SIGKILL')) {
				signalProcess(pid, 'SIGKILL');
			}
		}

		this.#drainTimer = this.#clock.at(this.#clock.now() + drainLimitMs, () => {
			for (const stream of [this.#streams.stdout, this.#streams.stderr, this.#streams.notify]) {
				stream?.destroy();
			}

			this.#open = 0;
			this.#report();
		});
		this.#report();
	};

	/**
	 * Tracks the first process the daemonizing main process left; the others (its workers, or one
	 * still on its way to a session of its own) stay, and are killed when the tracked one exits.
	 */
	#handOver([next]: number[]): boolean {
		if (next === undefined || !watch(next, this.onExit)) {
			return false;
		}

		this.#pid = next;
		this.#callbacks.onTracked(next, processStartTime(next));
		return true;
	}

	#report(): void {
		if (this.#reported || this.#exited === null || this.#open > 0) {
			return;
		}

		this.#reported = true;
		this.#drainTimer?.cancel();
		this.#cgroup?.release();
		this.#callbacks.onExit(this.#exited.code, this.#exited.signal, this.#exited.escaped, this.#exited.oom);
	}
}
