/**
 * `bin/tm.ts` as a real process (through tsx), in its own process group so a test can kill it
 * and everything under it by PID.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const started = new Set<number>();

export type TmProcess = {child: ChildProcess; pid: number; stdout(): string; stderr(): string; exited: Promise<number | null>};

/**
 * `output`: a file descriptor for its stdout and stderr (as a background start gives it), instead
 * of pipes. `prefix`: a command that execs the rest (`prlimit --nofile=64:64 --`), so the pid is tm's.
 */
export function runTm(args: string[], options: {cwd: string; env?: Record<string, string>; output?: number; prefix?: string[]}): TmProcess {
	const [command = process.execPath, ...before] = [...(options.prefix ?? []), process.execPath];
	const child = spawn(command, [...before, '--import', import.meta.resolve('tsx'), path.join(root, 'bin/tm.ts'), ...args], {
		cwd: options.cwd,
		env: {...process.env, TM_HOME: path.join(options.cwd, 'home'), ...options.env},
		stdio: options.output === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', options.output, options.output],
		detached: true,
	});
	const pid = child.pid ?? 0;
	started.add(pid);
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	let stdout = '';
	child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
	return {child, pid, stdout: () => stdout, stderr: () => stderr, exited};
}

/** Kills every tm process this test file started, with its process group. */
export function killAllTm(): void {
	for (const pid of started) {
		for (const target of [-pid, pid]) {
			try {
				process.kill(target, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	}
}

/** One line of the daemon log (`taskmaster.logfile`): a task event or a daemon message. */
export type LoggedEvent = {task?: string; to?: string; pid?: number | null; restarts?: number; message?: string};

/** The JSON lines of a daemon log so far; none while the file does not exist yet. */
export function daemonLog(file: string): LoggedEvent[] {
	try {
		return readFileSync(file, 'utf8')
			.trim()
			.split('\n')
			.filter(Boolean)
			.map(line => JSON.parse(line) as LoggedEvent);
	} catch {
		return [];
	}
}
