/**
 * The web view (`taskmaster.http`, or the log view a `logfile` brings), when it is on. It is
 * made before the alerter, whose mails link to it (while the view shows the alerter's counts),
 * and listens once the control socket is claimed. Its module is loaded only then: without it the
 * daemon never loads node:http and the page (about 1 MiB of RSS).
 */
import {messageOf} from '../errors.js';
import type {DaemonSpec} from '../model.js';
import type {WebOptions, WebServer} from '../web/server.js';

export class WebView {
	readonly #address: string | null;
	readonly #optional: boolean;
	#server: WebServer | null = null;
	#skipped: string | null = null;

	/** `http` as the config resolved it: null when the view is off; `httpDefault` when nobody asked for it by name. */
	constructor({http, httpDefault}: Pick<DaemonSpec, 'http' | 'httpDefault'>) {
		this.#address = http;
		this.#optional = httpDefault === true;
	}

	/** The view, once it listens; null when it is off. */
	get server(): WebServer | null {
		return this.#server;
	}

	/** Where it listens (the port actually bound), for the links in alert mails. */
	get url(): string | null {
		return this.#server?.url ?? null;
	}

	/** Why the default log view does not listen (its port is taken…), or null. */
	get skipped(): string | null {
		return this.#skipped;
	}

	/**
	 * Listens, when on; `options` is asked for only then (its client is the view's to close). A
	 * view `http` names stops the start when it cannot listen; the default one gives way.
	 */
	async start(options: () => Omit<WebOptions, 'address'>): Promise<void> {
		if (this.#address === null) {
			return;
		}

		try {
			this.#server = await (await import('../web/server.js')).WebServer.start({...options(), address: this.#address});
		} catch (error) {
			if (!this.#optional) {
				throw error;
			}

			this.#skipped =
				`no log view in the browser: ${messageOf(error)} (${this.#address} is where taskmaster.logfile brings it; ` +
				'set taskmaster.http to a free address, or http: off)';
		}
	}

	async close(): Promise<void> {
		await this.#server?.close();
	}
}
