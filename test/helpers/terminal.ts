/**
 * A real terminal for tests: an isolated tmux server (its own socket, no config) with one pane
 * running sh. What is checked is what a person would see (`capture-pane`), polled with a
 * deadline; a failure shows the last screen. `closeTerminals` kills every server this file made.
 */
import {spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {waitFor} from './wait.js';

const tmuxVersion = spawnSync('tmux', ['-V'], {encoding: 'utf8'});
/** Why terminal tests cannot run here, or false. */
export const noTmux: string | false = tmuxVersion.error ? `tmux is not installed (${tmuxVersion.error.message}): the terminal test needs it` : false;

const servers: Array<{name: string; socket: string}> = [];

export function closeTerminals(): void {
	for (const server of servers.splice(0)) {
		spawnSync('tmux', ['-L', server.name, 'kill-server']);
		// tmux leaves its socket file behind.
		rmSync(server.socket, {force: true});
	}
}

/** One isolated tmux server and its only pane. */
export class Terminal {
	readonly server = `tm-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	constructor(cwd: string, cols: number, rows: number) {
		this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(cols), '-y', String(rows), '-c', cwd, '-s', 'top', 'sh');
		servers.push({name: this.server, socket: this.flag('#{socket_path}')});
	}

	tmux(...args: string[]): string {
		const result = spawnSync('tmux', ['-L', this.server, ...args], {encoding: 'utf8'});
		if (result.status !== 0) {
			throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
		}

		return result.stdout;
	}

	/** The screen as text, one string per row. */
	screen(): string[] {
		return this.tmux('capture-pane', '-p', '-t', 'top').split('\n');
	}

	/** Keys by tmux name (`Enter`, `Escape`, `j`, `C-d`). */
	keys(...keys: string[]): void {
		this.tmux('send-keys', '-t', 'top', ...keys);
	}

	/** Literal text. */
	type(text: string): void {
		this.tmux('send-keys', '-t', 'top', '-l', text);
	}

	flag(format: string): string {
		return this.tmux('display-message', '-p', '-t', 'top', format).trim();
	}

	/** Waits until `accept` holds for the screen; fails with the last screen. */
	async until(what: string, accept: (screen: string[]) => boolean, timeout = 20_000): Promise<string[]> {
		try {
			return await waitFor(() => this.screen(), accept, {what, timeout, interval: 50});
		} catch {
			throw new Error(`timed out waiting for ${what}; last screen:\n${this.screen().join('\n')}`);
		}
	}
}
