/**
 * Daemons for the benchmarks that need many of them (protocol.ts, growth.ts): `tm up
 * --foreground` in a temp home with N programs of `sleep 100000`, connecting with a deadline,
 * waiting until all run, and a clean-up that kills every process started (the daemon's group and
 * each task's group) and removes the temp folder, on failure and on Ctrl-C too.
 * `TM_BIN=/path/to/dist/tm` runs that executable instead of `node --import tsx bin/tm.ts`.
 */
import {spawn} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {RpcClient} from '../src/core/ipc/client.js';

const root = path.resolve(import.meta.dirname, '..');

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** A daemon this run started: its pid (leader of its own process group), temp folder and the task pids seen. */
export type Daemon = {pid: number; dir: string; socket: string; out: string; taskPids: Set<number>; exited: Promise<void>; alive: () => boolean};

const daemons = new Set<Daemon>();

export function startDaemon(name: string, programs: number): Daemon {
	const dir = mkdtempSync(path.join(tmpdir(), `tm-bench-${name}-`));
	const yaml = Array.from({length: programs}, (_, i) => `  p${i}:\n    cmd: sleep 100000\n    starttime: 0\n`).join('');
	writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n${yaml}`);
	const out = path.join(dir, 'daemon.out');
	const fd = openSync(out, 'w');
	const bin = process.env.TM_BIN
		? [path.resolve(process.env.TM_BIN)]
		: [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts')];
	const child = spawn(bin[0] ?? '', [...bin.slice(1), 'up', '--foreground'], {
		cwd: dir,
		env: {...process.env, TM_HOME: path.join(dir, 'home')},
		stdio: ['ignore', fd, fd],
		detached: true,
	});
	closeSync(fd);
	let running = true;
	const exited = new Promise<void>(resolve =>
		child.on('exit', () => {
			running = false;
			resolve();
		}),
	);
	const daemon: Daemon = {
		pid: child.pid ?? 0,
		dir,
		socket: path.join(dir, 'home', 'tm.sock'),
		out,
		taskPids: new Set(),
		exited,
		alive: () => running,
	};
	daemons.add(daemon);
	return daemon;
}

/** Pids whose parent is `pid` (the daemon's tasks, each the leader of its own group). */
function childrenOf(pid: number): number[] {
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
			if (Number(fields[1]) === pid) {
				found.push(Number(entry));
			}
		} catch {
			// gone while reading
		}
	}

	return found;
}

function killGroup(pid: number): void {
	for (const target of [-pid, pid]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			// already gone, or not a group leader
		}
	}
}

/** SIGKILL to the daemon's group and every task group seen; the temp folder goes. Synchronous, so a signal handler can use it. */
function destroy(daemon: Daemon): void {
	if (daemon.alive()) {
		for (const pid of childrenOf(daemon.pid)) {
			daemon.taskPids.add(pid);
		}
	}

	killGroup(daemon.pid);
	for (const pid of daemon.taskPids) {
		killGroup(pid);
	}

	rmSync(daemon.dir, {recursive: true, force: true});
	daemons.delete(daemon);
}

/** A graceful stop first (SIGTERM: the daemon stops its tasks), then {@link destroy} for whatever is left. */
export async function stop(daemon: Daemon): Promise<void> {
	if (daemon.alive()) {
		for (const pid of childrenOf(daemon.pid)) {
			daemon.taskPids.add(pid);
		}

		try {
			process.kill(daemon.pid, 'SIGTERM');
		} catch {
			// already gone
		}

		let timer: NodeJS.Timeout | undefined;
		await Promise.race([daemon.exited, new Promise(resolve => (timer = setTimeout(resolve, 30_000)))]);
		clearTimeout(timer);
	}

	destroy(daemon);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		for (const daemon of [...daemons]) {
			destroy(daemon);
		}

		process.exitCode = 130;
		process.exit();
	});
}

export async function connect(daemon: Daemon, deadline: number): Promise<RpcClient> {
	for (;;) {
		try {
			return await RpcClient.connect(daemon.socket, {client: `bench-${path.basename(daemon.dir)}`, timeoutMs: 2000});
		} catch (error) {
			if (!daemon.alive() || performance.now() > deadline) {
				throw error;
			}

			await sleep(100);
		}
	}
}

/** Polls `status` until all N tasks run; remembers their pids for the clean-up. */
export async function waitRunning(daemon: Daemon, client: RpcClient, n: number, t0: number, deadline: number): Promise<void> {
	for (;;) {
		const status = await client.call('status', {}, {timeoutMs: 30_000});
		let running = 0;
		for (const task of status.tasks) {
			if (task.pid !== null) {
				daemon.taskPids.add(task.pid);
			}

			running += task.state === 'running' ? 1 : 0;
		}

		if (running === n && status.tasks.length === n) {
			return;
		}

		if (performance.now() > deadline) {
			throw new Error(`only ${running} of ${n} tasks running after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
		}

		await sleep(250);
	}
}


/** Kills every daemon still here (for a `finally`). */
export function destroyAll(): void {
	for (const daemon of [...daemons]) {
		destroy(daemon);
	}
}
