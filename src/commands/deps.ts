/**
 * What a command needs from the outside world, passed in so tests can give their own.
 */
import type {TmClient} from '../core/client/seam.js';

export type Io = {
	out(text: string): void;
	err(text: string): void;
	/** Whether stdout is a terminal (colour and tables) or a pipe (plain). */
	isTTY: boolean;
	/** Whether stdin and stdout are both a terminal, a person at a keyboard: then `tm` alone opens `tm shell`. */
	terminal?: boolean;
};

export type Deps = {
	io: Io;
	env: Record<string, string | undefined>;
	cwd: string;
	/** How to run this same tm again (the background daemon re-executes it): a program and its first arguments. */
	self: {command: string; args: string[]};
	/** Registers a handler for process signals; returns a function that removes it. */
	onSignal(signals: NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void;
	/**
	 * Registers a handler for errors nothing caught (the daemon stops every task, then exits 1);
	 * returns a function that removes it. From then on, errors of stdout and stderr themselves (a
	 * full disk under them) are ignored rather than fatal.
	 */
	onCrash?(handler: (error: unknown) => void): () => void;
	/** Told of each connection a command opens (`connect`): tm shell closes those of a command it stops waiting for. */
	onClient?(client: TmClient): void;
};

/** Options every command takes (SPEC §6). */
export type GlobalOptions = {
	json?: boolean;
	socket?: string;
	home?: string;
	/** `--host` values as given (each may be `a,b`); see `hosts.ts`. */
	host?: string[];
};
