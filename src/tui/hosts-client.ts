/**
 * The client seam over several hosts, for what the dashboard asks about tasks it shows as
 * `host/id`: a log follow, `describe`, an action. Each goes to that host's client with the
 * daemon's own id; an action on tasks of several hosts goes to each, and the answers come back
 * as one, named `host/name`. The feed is not routed: each host has its own (`hosts-data.ts`).
 */
import type {CallMethod, FeedSink, LogFollowParams, LogSink, Subscription, TmClient} from '../core/client/seam.js';
import {TmError} from '../core/errors.js';
import type {Methods, TaskActionResults} from '../core/ipc/methods.js';
import {splitId} from './hosts-data.js';

export class HostsClient implements TmClient {
	readonly #clientOf: (host: string) => TmClient | null;

	constructor(clientOf: (host: string) => TmClient | null) {
		this.#clientOf = clientOf;
	}

	get target(): string {
		return 'several hosts';
	}

	get server(): Methods['hello']['result'] {
		return {protocol: 1, version: 'several', pid: 0};
	}

	get closed(): boolean {
		return false;
	}

	async call<M extends CallMethod>(method: M, params: Methods[M]['params'], options?: {timeoutMs?: number}): Promise<Methods[M]['result']> {
		const given = params as {name?: string; names?: string[]};
		if (typeof given.name === 'string') {
			const {host, id} = this.#where(given.name);
			return this.#client(host).call(method, {...params, name: id} as Methods[M]['params'], options);
		}

		if (!Array.isArray(given.names)) {
			throw new TmError('E_USAGE', `${method}: which host? (several are shown)`);
		}

		const byHost = new Map<string, string[]>();
		for (const name of given.names) {
			const {host, id} = this.#where(name);
			byHost.set(host, [...(byHost.get(host) ?? []), id]);
		}

		const answers = await Promise.all(
			[...byHost].map(async ([host, names]) => {
				const answer = (await this.#client(host).call(method, {...params, names} as Methods[M]['params'], options)) as TaskActionResults;
				return answer.results.map(result => ({...result, name: `${host}/${result.name}`}));
			}),
		);
		return {results: answers.flat()} as Methods[M]['result'];
	}

	subscribe(_sink: FeedSink): Promise<Subscription> {
		return Promise.reject(new TmError('E_USAGE', 'each host has its own feed'));
	}

	followLogs(params: LogFollowParams, sink: LogSink): Promise<Subscription> {
		try {
			const {host, id} = this.#where(params.name);
			return this.#client(host).followLogs({...params, name: id}, sink);
		} catch (error) {
			return Promise.reject(error as Error);
		}
	}

	onClose(): () => void {
		return () => {};
	}

	close(): Promise<void> {
		return Promise.resolve();
	}

	#where(name: string): {host: string; id: string} {
		const where = splitId(name);
		if (where === null) {
			throw new TmError('E_USAGE', `${name}: which host? (tasks are host/id here)`);
		}

		return where;
	}

	#client(host: string): TmClient {
		const client = this.#clientOf(host);
		if (client === null) {
			throw new TmError('E_DAEMON_NOT_RUNNING', `${host} is not connected (retrying)`);
		}

		return client;
	}
}
