/**
 * `/metrics` in the Prometheus text format, through prom-client, read from the live engine at
 * scrape time. Cardinality is bounded by the config: per-task series exist only for program
 * tasks (`kind: service`); jobs, whose ids are unique, are only counted by state.
 */
import type {PriorityDepth} from '../ipc/queue-docs.js';
import {Counter, Gauge, Registry} from 'prom-client';
import type {AlerterStats} from '../alerts/index.js';
import type {Clock} from '../clock.js';
import type {Engine} from '../engine.js';
import type {EventTally} from '../event-tally.js';
import type {TaskStatus} from '../ipc/methods.js';
import {stateKinds, type Millis, type StateKind, type TaskKind} from '../model.js';
import {taskDoc} from '../documents.js';
import {initialSlots} from '../slots.js';

export type MetricsSource = {
	engine: Engine;
	/** Jobs finished and events published, counted since the daemon's first event. */
	tally: EventTally;
	clock: Clock;
	startedAt: Millis;
	version: string;
	/** Open `/events` and log streams. */
	streams(): number;
	alerts(): AlerterStats | null;
	/** The slots now (tm scale --slots, the adaptive pool); without it, max_running as written. */
	slots?(): number | null;
	/** This daemon as a cluster member, when it is one (`taskmaster.cluster`). */
	cluster?(): ClusterMetrics | null;
};

/** What `/metrics` shows of the cluster: the queue's depth by priority (as of the last renewal) and this member's claims. */
export type ClusterMetrics = {reachable: boolean; claims: number; claimedTotal: number; unsaved: number; queued: PriorityDepth};

type Set<L extends string> = (labels: Partial<Record<L, string>>, value: number) => void;

const taskKinds: readonly TaskKind[] = ['service', 'job'];

export class Metrics {
	readonly registry = new Registry();
	readonly #source: MetricsSource;
	/** The tasks as of the scrape in progress, read once for every collector. */
	#tasks: TaskStatus[] = [];

	constructor(source: MetricsSource) {
		this.#source = source;
		this.#define();
	}

	get contentType(): string {
		return this.registry.contentType;
	}

	async render(): Promise<string> {
		// Nothing shown that the store could still lose (Engine.settle).
		this.#source.engine.settle();
		this.#tasks = this.#source.engine.list().map(task => taskDoc(task, this.#source.engine.config.daemon));
		try {
			return await this.registry.metrics();
		} finally {
			this.#tasks = [];
		}
	}

	#services(): TaskStatus[] {
		return this.#tasks.filter(t => t.kind === 'service');
	}

	#gauge<L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: Set<L>) => void): void {
		new Gauge<L>({
			name,
			help,
			labelNames,
			registers: [this.registry],
			collect() {
				this.reset();
				fill((labels, value) => this.set(labels, value));
			},
		});
	}

	#counter<L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: Set<L>) => void): void {
		new Counter<L>({
			name,
			help,
			labelNames,
			registers: [this.registry],
			collect() {
				this.reset();
				fill((labels, value) => this.inc(labels, Math.max(0, value)));
			},
		});
	}

	#define(): void {
		const src = this.#source;
		const now = (): Millis => src.clock.now();
		const seconds = (iso: string): number => Date.parse(iso) / 1000;
		const task = ['task', 'program'] as const;
		const each = (set: Set<'task' | 'program'>, value: (t: TaskStatus) => number | null): void => {
			for (const t of this.#services()) {
				const v = value(t);
				if (v !== null) {
					set({task: t.id, program: t.program}, v);
				}
			}
		};

		this.#gauge('tm_task_state', 'Current state of each program task: 1 for its state, 0 for the others.', [...task, 'state'], set => {
			for (const t of this.#services()) {
				for (const state of stateKinds) {
					set({task: t.id, program: t.program, state}, t.state === state ? 1 : 0);
				}
			}
		});
		this.#gauge('tm_task_cause', "Why each program task's last transition happened (the cause word of tm status --json): always 1.", [...task, 'cause'], set => {
			for (const t of this.#services()) {
				set({task: t.id, program: t.program, cause: t.cause}, 1);
			}
		});
		this.#counter('tm_task_restarts_total', 'Respawns of each program task, automatic or asked for.', task, set => each(set, t => t.restarts));
		this.#gauge('tm_task_start_time_seconds', 'When the current run of each running program task came up, in Unix seconds.', task, set =>
			each(set, t => (t.startedAt === null || t.endedAt !== null ? null : seconds(t.startedAt))),
		);
		this.#counter('tm_task_cpu_seconds_total', "CPU time used by each program task's process tree in its current run.", task, set =>
			each(set, t => t.cpuSeconds),
		);
		this.#gauge('tm_task_memory_bytes', "Resident memory of each program task's process tree.", task, set => each(set, t => t.memory));
		this.#gauge('tm_task_heartbeat_age_seconds', "Time since each program task's last heartbeat (WATCHDOG=1).", task, set =>
			each(set, t => (t.heartbeatAt === null ? null : Math.max(0, (now() - Date.parse(t.heartbeatAt)) / 1000))),
		);
		this.#gauge('tm_task_progress_ratio', 'Progress each program task reported (PROGRESS=), from 0 to 1.', task, set =>
			each(set, t => (t.progress === null ? null : Math.min(1, Math.max(0, t.progress / 100)))),
		);
		this.#gauge('tm_tasks', 'Tasks by kind (service or job) and state.', ['kind', 'state'], set => {
			const counts = new Map<string, number>();
			for (const t of this.#tasks) {
				counts.set(`${t.kind} ${t.state}`, (counts.get(`${t.kind} ${t.state}`) ?? 0) + 1);
			}

			for (const kind of taskKinds) {
				for (const state of stateKinds) {
					set({kind, state}, counts.get(`${kind} ${state}`) ?? 0);
				}
			}
		});
		this.#gauge('tm_jobs_queued', 'Jobs waiting for a slot, their dependencies or their schedule.', [], set =>
			set({}, this.#tasks.filter(t => t.kind === 'job' && t.state === ('queued' satisfies StateKind)).length),
		);
		this.#counter('tm_jobs_finished_total', 'Jobs that reached completed, failed or stopped since the daemon started, by the cause (max_runtime: timed out; cancelled).', ['state', 'cause'], set => {
			for (const {state, cause, count} of src.tally.finishedJobs()) {
				set({state, cause}, count);
			}
		});
		this.#counter('tm_events_total', 'Task events (state changes) published since the daemon started.', [], set => set({}, src.tally.events));
		this.#gauge('tm_daemon_info', 'The daemon: always 1, with its version.', ['version', 'node'], set =>
			set({version: src.version, node: process.versions.node}, 1),
		);
		this.#gauge('tm_daemon_start_time_seconds', 'When the daemon started, in Unix seconds.', [], set => set({}, src.startedAt / 1000));
		this.#gauge('tm_daemon_max_running_tasks', 'Slots for running tasks now (max_running, tm scale --slots, the adaptive pool); +Inf when unlimited.', [], set =>
			set({}, (src.slots ? src.slots() : initialSlots(src.engine.config.daemon.maxRunning)) ?? Number.POSITIVE_INFINITY),
		);
		this.#counter('tm_daemon_cpu_seconds_total', 'CPU time the daemon process used (user and system).', [], set => {
			const usage = process.cpuUsage();
			set({}, (usage.user + usage.system) / 1e6);
		});
		this.#gauge('tm_daemon_resident_memory_bytes', 'Resident memory of the daemon process.', [], set => set({}, process.memoryUsage.rss()));
		this.#gauge('tm_daemon_http_streams', 'Open event and log streams of the web view.', [], set => set({}, src.streams()));
		this.#counter('tm_alerts_raised_total', 'Alerts raised (each goes to every recipient).', [], set => set({}, src.alerts()?.raised ?? 0));
		this.#counter('tm_alert_mails_sent_total', 'Alert mails accepted by the SMTP relay.', [], set => set({}, src.alerts()?.mailsSent ?? 0));
		this.#counter('tm_alert_mail_failures_total', 'Attempts to send an alert mail that failed.', [], set => set({}, src.alerts()?.sendFailures ?? 0));
		this.#defineCluster();
		this.#gauge('tm_alerts_pending', 'Alerts waiting for their batch window or a retry, summed over recipients.', [], set =>
			set({}, src.alerts()?.pending ?? 0),
		);
	}

	/** Series only a cluster member has; none without `taskmaster.cluster`. */
	#defineCluster(): void {
		const cluster = (): ClusterMetrics | null => this.#source.cluster?.() ?? null;
		const one = (value: (c: ClusterMetrics) => number) => (set: Set<never>) => {
			const c = cluster();
			if (c !== null) {
				set({}, value(c));
			}
		};

		this.#gauge('tm_cluster_reachable', 'Whether PostgreSQL answers this cluster member: 1 or 0.', [], one(c => (c.reachable ? 1 : 0)));
		this.#gauge('tm_cluster_claims', 'Cluster jobs this member holds now.', [], one(c => c.claims));
		this.#counter('tm_cluster_claims_total', 'Cluster jobs this member claimed since it started.', [], one(c => c.claimedTotal));
		this.#gauge('tm_cluster_outcomes_unsaved', 'Outcomes of cluster jobs kept in memory until PostgreSQL can be written.', [], one(c => c.unsaved));
		this.#gauge('tm_cluster_queue_depth', "The cluster's queued jobs by priority, as of this member's last renewal.", ['priority'], set => {
			for (const {priority, count} of cluster()?.queued ?? []) {
				set({priority: String(priority)}, count);
			}
		});
	}
}
