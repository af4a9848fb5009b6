/**
 * The daemon's membership of a cluster, when `taskmaster.cluster` is set: its modules (and
 * `pg`) are loaded only then, so a daemon in no cluster never grows by them. Joined after
 * recovery (what a previous daemon here held is given back); a schema newer than this tm's, a
 * refused login or a missing database stop the start with E_CLUSTER; a server that does not
 * answer yet is retried every `poll` while local work goes on.
 */
import os from 'node:os';
import type {Clock, TimerHandle} from '../clock.js';
import type {ClusterControl} from '../cluster/control-handlers.js';
import type {Member} from '../cluster/member.js';
import type {Engine} from '../engine.js';
import {messageOf, TmError} from '../errors.js';
import type {ClusterDoc} from '../ipc/methods.js';
import type {ClusterSpec} from '../model.js';
import type {ClusterMetrics} from '../web/metrics.js';
import {version} from '../version.js';

export type ClusterDeps = {
	engine: Engine;
	clock: Clock;
	env: Record<string, string | undefined>;
	note(message: string, data?: Record<string, unknown>): void;
	warn(message: string): void;
};

/** PostgreSQL errors that retrying will not mend: the config or the server must change. */
const fatalCodes = new Set(['28P01', '28000', '3D000', '42501']);

export class ClusterMembership {
	readonly #spec: ClusterSpec | null;
	#member: Member | null = null;
	#control: ClusterControl | null = null;
	#retry: TimerHandle | null = null;
	#closed = false;
	#joinError: string | null = null;

	constructor(spec: ClusterSpec | null | undefined) {
		this.#spec = spec ?? null;
	}

	get member(): Member | null {
		return this.#member;
	}

	/** The cluster's handlers, null when in no cluster (or not joined yet). */
	get control(): ClusterControl | null {
		return this.#control;
	}

	doc(): ClusterDoc | undefined {
		if (this.#spec === null) {
			return undefined;
		}

		const status = this.#member?.status();
		if (status === undefined) {
			return {name: this.#spec.name ?? os.hostname(), postgres: '', reachable: false, since: null, error: 'not joined yet', claims: 0, capacity: 0, unsaved: 0};
		}

		const joined = this.#control !== null;
		return {...status, reachable: status.reachable && joined, error: joined ? status.error : (this.#joinError ?? 'not joined yet'), since: status.since === null ? null : new Date(status.since).toISOString()};
	}

	metrics(): ClusterMetrics | null {
		const member = this.#member;
		if (member === null) {
			return null;
		}

		const status = member.status();
		return {reachable: status.reachable && this.#control !== null, claims: status.claims, claimedTotal: member.claimed, unsaved: status.unsaved, queued: member.depth};
	}

	async start(deps: ClusterDeps): Promise<void> {
		const spec = this.#spec;
		if (spec === null) {
			return;
		}

		const [{connect}, {Member}, {clusterControl}] = await Promise.all([import('../cluster/sql.js'), import('../cluster/member.js'), import('../cluster/control-handlers.js')]);
		const connection = await connect(spec, deps.env);
		const member = new Member({spec, name: spec.name ?? os.hostname(), engine: deps.engine, clock: deps.clock, connection, version, note: deps.note, warn: deps.warn});
		this.#member = member;
		const attempt = async (): Promise<void> => {
			try {
				await member.join();
				this.#control = clusterControl(member, deps.engine);
			} catch (error) {
				const code = (error as {code?: unknown}).code;
				if (error instanceof TmError || (typeof code === 'string' && fatalCodes.has(code))) {
					throw error instanceof TmError ? error : new TmError('E_CLUSTER', `cluster: PostgreSQL refused ${spec.name ?? 'this member'}: ${messageOf(error)}`);
				}

				if (this.#joinError === null) {
					deps.warn(`cluster: cannot join yet (${messageOf(error)}); trying again every ${spec.pollMs / 1000}s, local work goes on`);
				}

				this.#joinError = messageOf(error);
				if (!this.#closed) {
					this.#retry = deps.clock.at(deps.clock.now() + spec.pollMs, () => void attempt().catch(failed => deps.warn(messageOf(failed))));
				}
			}
		};

		await attempt();
	}

	stopClaiming(): void {
		this.#member?.stopClaiming();
	}

	async close(): Promise<void> {
		this.#closed = true;
		this.#retry?.cancel();
		await this.#member?.close();
	}
}
