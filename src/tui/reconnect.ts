/**
 * The dashboard's connection: connect, notice when it is lost, and try again with a growing
 * pause (100 ms, doubling up to `maxRetryMs`) on the injected clock until the daemon answers.
 * The first attempt's failure goes to the caller instead: `tm top` with no daemon exits before
 * it takes the terminal.
 */
import type {Connector, TmClient} from '../core/client/seam.js';
import {messageOf, TmError} from '../core/errors.js';
import {after, type Clock, type TimerHandle} from './clock.js';
import type {ConnectionState} from './live.js';

export type ReconnectOptions = {
	connect: Connector;
	clock: Clock;
	maxRetryMs: number;
	/** The connection's state, for the header. */
	onState(state: ConnectionState): void;
	/** Takes the first snapshot on a new client; a failure counts as a failed attempt. */
	attach(client: TmClient): Promise<void>;
	/** The client is in use: streams that were open are opened again on it. */
	connected(client: TmClient): void;
	/** The client is gone. */
	lost(): void;
};

export class Reconnect {
	readonly #options: ReconnectOptions;
	#client: TmClient | null = null;
	#state: ConnectionState = {status: 'connecting', error: null, attempts: 0};
	#retry: TimerHandle | null = null;
	#closed = false;

	constructor(options: ReconnectOptions) {
		this.#options = options;
	}

	/** The connected client, or null while there is none. */
	get client(): TmClient | null {
		return this.#client;
	}

	/** The first attempt; rejects (E_DAEMON_NOT_RUNNING…) when it fails. */
	start(): Promise<void> {
		return this.#attempt();
	}

	/**
	 * The first attempt, for one of several hosts: a failure does not end the dashboard (the
	 * others may answer), it is shown and tried again as a lost connection is. Resolves with it.
	 */
	async startOrRetry(): Promise<unknown> {
		try {
			await this.#attempt();
			return null;
		} catch (error) {
			if (!this.#closed) {
				this.#set({status: 'disconnected', error: messageOf(error), attempts: 1});
				this.#scheduleRetry();
			}

			return error;
		}
	}

	async close(): Promise<void> {
		this.#closed = true;
		this.#retry?.cancel();
		this.#retry = null;
		const client = this.#client;
		this.#client = null;
		await client?.close();
	}

	#set(state: ConnectionState): void {
		this.#state = state;
		this.#options.onState(state);
	}

	async #attempt(): Promise<void> {
		this.#set({...this.#state, status: 'connecting'});
		const client = await this.#options.connect();
		if (this.#closed) {
			await client.close();
			return;
		}

		client.onClose(error => this.#lost(client, error));
		try {
			await this.#options.attach(client);
			if (client.closed) {
				throw new TmError('E_DAEMON_NOT_RUNNING', 'the daemon closed the connection');
			}
		} catch (error) {
			await client.close();
			throw error;
		}

		if (this.#closed) {
			await client.close();
			return;
		}

		this.#client = client;
		this.#set({status: 'connected', error: null, attempts: 0});
		this.#options.connected(client);
	}

	#lost(client: TmClient, error: TmError | null): void {
		if (this.#closed || this.#client !== client) {
			return;
		}

		this.#client = null;
		this.#set({status: 'disconnected', error: error?.message ?? 'the daemon closed the connection', attempts: 0});
		this.#options.lost();
		this.#scheduleRetry();
	}

	#scheduleRetry(): void {
		if (this.#closed || this.#retry !== null) {
			return;
		}

		const {attempts} = this.#state;
		this.#retry = after(this.#options.clock, Math.min(this.#options.maxRetryMs, 100 * 2 ** attempts), () => {
			this.#retry = null;
			this.#attempt().catch((error: unknown) => {
				if (!this.#closed) {
					this.#set({status: 'disconnected', error: messageOf(error), attempts: attempts + 1});
					this.#scheduleRetry();
				}
			});
		});
	}
}
