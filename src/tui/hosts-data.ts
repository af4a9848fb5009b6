/**
 * The tasks of several hosts in one table (`tm top --host a,b`): each host's feed goes into one
 * map, its tasks keyed `host/id` and carrying their `host`, so selection, sort and filter work
 * across hosts as they do for one. A host's snapshot replaces only its own tasks; while a host
 * is away its tasks stay, marked (`hostDown`), until it comes back with a new snapshot.
 */
import type {FeedSink} from '../core/client/seam.js';
import type {TaskStatus} from '../core/ipc/methods.js';
import type {Clock} from './clock.js';
import {LiveData, type ConnectionState} from './live.js';

/** A task as the table of several hosts holds it. */
export type HostedTask = TaskStatus & {host?: string; hostDown?: boolean};

/** `host/id` → the host and the daemon's id. */
export function splitId(id: string): {host: string; id: string} | null {
	const cut = id.indexOf('/');
	return cut <= 0 ? null : {host: id.slice(0, cut), id: id.slice(cut + 1)};
}

export class HostsData extends LiveData {
	readonly #links = new Map<string, ConnectionState>();

	constructor(hosts: readonly string[], minGapMs?: number, clock?: Clock) {
		super(minGapMs, clock);
		for (const host of hosts) {
			this.#links.set(host, {status: 'connecting', error: null, attempts: 0});
		}

		this.links = this.#links;
	}

	/** The feed of one host, into the shared map. */
	hostSink(host: string): FeedSink {
		const hosted = (task: TaskStatus): HostedTask => ({...task, id: `${host}/${task.id}`, host});
		return {
			snapshot: doc => {
				this.#dropHost(host);
				for (const task of doc.tasks) {
					this.tasks.set(`${host}/${task.id}`, hosted(task));
				}

				this.tick();
			},
			event: event => {
				this.tasks.set(`${host}/${event.taskId}`, hosted(event.task));
				this.tick();
			},
			tasks: update => {
				for (const task of update.tasks) {
					this.tasks.set(`${host}/${task.id}`, hosted(task));
				}

				for (const id of update.removed) {
					this.tasks.delete(`${host}/${id}`);
				}

				this.tick();
			},
		};
	}

	/** One host's connection: the header lists them; the table marks the tasks of one that is away. */
	setLink(host: string, state: ConnectionState): void {
		this.#links.set(host, state);
		if (state.status !== 'connected') {
			for (const [id, task] of this.tasks) {
				if ((task as HostedTask).host === host && !(task as HostedTask).hostDown) {
					this.tasks.set(id, {...task, hostDown: true} as HostedTask);
				}
			}
		}

		const states = [...this.#links.values()];
		const up = states.some(link => link.status === 'connected');
		const error = states.find(link => link.error !== null)?.error ?? null;
		this.setConnection(up ? {status: 'connected', error: null, attempts: 0} : {status: states.some(link => link.status === 'connecting') ? 'connecting' : 'disconnected', error, attempts: 0});
		this.tick();
	}

	#dropHost(host: string): void {
		for (const [id, task] of this.tasks) {
			if ((task as HostedTask).host === host) {
				this.tasks.delete(id);
			}
		}
	}
}
