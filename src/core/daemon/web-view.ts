/**
 * The web view (`taskmaster.http`), when it is configured. It is made before the alerter, whose
 * mails link to it (while the view shows the alerter's counts), and listens once the control
 * socket is claimed. Its module is loaded only then: without `http` the daemon never loads
 * node:http and the page (about 1 MiB of RSS).
 */
import type {WebOptions, WebServer} from '../web/server.js';

export class WebView {
	readonly #address: string | null;
	#server: WebServer | null = null;

	/** `address`: `taskmaster.http` as written, or null when the view is off. */
	constructor(address: string | null) {
		this.#address = address;
	}

	/** The view, once it listens; null when it is off. */
	get server(): WebServer | null {
		return this.#server;
	}

	/** Where it listens (the port actually bound), for the links in alert mails. */
	get url(): string | null {
		return this.#server?.url ?? null;
	}

	/** Listens, when on; `options` is asked for only then (its client is the view's to close). */
	async start(options: () => Omit<WebOptions, 'address'>): Promise<void> {
		if (this.#address !== null) {
			this.#server = await (await import('../web/server.js')).WebServer.start({...options(), address: this.#address});
		}
	}

	async close(): Promise<void> {
		await this.#server?.close();
	}
}
