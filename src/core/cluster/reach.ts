/**
 * Whether PostgreSQL answers this member: since when it does not, and why (for `tm status`,
 * `/healthz` and the metrics); a note and one warning when it goes away and when it is back.
 */
import type {Clock} from '../clock.js';
import {messageOf} from '../errors.js';

export type ReachDeps = {clock: Clock; where: string; note(message: string, data?: Record<string, unknown>): void; warn(message: string): void};

export class Reach {
	readonly #deps: ReachDeps;
	#since: number | null = null;
	#error: string | null = null;

	constructor(deps: ReachDeps) {
		this.#deps = deps;
	}

	status(): {reachable: boolean; since: number | null; error: string | null} {
		return {reachable: this.#since === null, since: this.#since, error: this.#error};
	}

	ok(): void {
		if (this.#since !== null) {
			const lasted = Math.round((this.#deps.clock.now() - this.#since) / 1000);
			this.#deps.note('cluster reachable again', {after: lasted});
			this.#deps.warn(`cluster: PostgreSQL at ${this.#deps.where} answers again (after ${lasted}s); outcomes kept meanwhile are written`);
		}

		this.#since = null;
		this.#error = null;
	}

	failed(error: unknown): void {
		const message = messageOf(error);
		if (this.#since === null) {
			this.#since = this.#deps.clock.now();
			this.#deps.note('cluster unreachable', {error: message});
			this.#deps.warn(`cluster: PostgreSQL at ${this.#deps.where} cannot be reached (${message}); local work goes on, cluster jobs here keep running for up to the lease, no new claims`);
		}

		this.#error = message;
	}
}
