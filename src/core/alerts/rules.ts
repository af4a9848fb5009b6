/**
 * Which events deserve a mail (SPEC §9): a task became `fatal` or `failed`, was killed by its
 * watchdog or as stuck, or crash-loops (more than N automatic restarts within M). Pure apart
 * from the small per-task memory it needs to count restarts and not repeat itself.
 */
import {configDuration} from '../durations.js';
import type {TaskEventRecord} from '../engine.js';
import type {AlertsSpec, Millis} from '../model.js';

export type AlertKind = 'fatal' | 'failed' | 'watchdog' | 'stuck' | 'crash-loop' | 'test';

/** One thing to tell a person about. */
export type Alert = {at: Millis; taskId: string; kind: AlertKind; reason: string};

type TaskMemory = {
	/** When the task last went into backoff (an automatic restart), oldest first. */
	restarts: Millis[];
	lastLoopAlert: Millis | null;
	/** The attempt a watchdog/stuck kill was last reported for, so it is told once. */
	killedAttempt: number | null;
};

/** States after which a task's history for these rules is forgotten. */
const resting = new Set(['stopped', 'completed', 'failed', 'fatal']);


export class AlertRules {
	readonly #spec: AlertsSpec;
	readonly #tasks = new Map<string, TaskMemory>();

	constructor(spec: AlertsSpec) {
		this.#spec = spec;
	}

	/** Tasks the rules remember something about (bounded by the live tasks that are not at rest). */
	get remembered(): number {
		return this.#tasks.size;
	}

	/** The alerts `event` raises, in order (usually none). */
	check(event: TaskEventRecord): Alert[] {
		const alerts: Alert[] = [];
		const alert = (kind: AlertKind, reason: string): void => {
			alerts.push({at: event.at, taskId: event.taskId, kind, reason});
		};

		const kill = /^(watchdog|stuck):/.exec(event.reason)?.[1] as 'watchdog' | 'stuck' | undefined;
		if (kill !== undefined) {
			const memory = this.#memory(event.taskId);
			if (memory.killedAttempt !== event.attempt) {
				memory.killedAttempt = event.attempt;
				alert(kill, event.reason);
			}
		}

		if (event.to === 'backoff' && event.from !== 'backoff') {
			this.#restarted(event, alert);
		}

		if ((event.to === 'fatal' || event.to === 'failed') && event.from !== event.to) {
			alert(event.to, event.reason);
		}

		if (resting.has(event.to)) {
			this.#tasks.delete(event.taskId);
		}

		return alerts;
	}

	#restarted(event: TaskEventRecord, alert: (kind: AlertKind, reason: string) => void): void {
		const {restarts: limit, withinMs} = this.#spec.crashLoop;
		const memory = this.#memory(event.taskId);
		const since = event.at - withinMs;
		memory.restarts.push(event.at);
		while ((memory.restarts[0] ?? event.at) <= since) {
			memory.restarts.shift();
		}

		// Only the last limit + 1 matter; the list never grows past that.
		if (memory.restarts.length > limit + 1) {
			memory.restarts.shift();
		}

		const quiet = memory.lastLoopAlert === null || event.at - memory.lastLoopAlert >= withinMs;
		if (memory.restarts.length > limit && quiet) {
			memory.lastLoopAlert = event.at;
			alert('crash-loop', `more than ${limit} restarts within ${configDuration(withinMs)} (last: ${event.reason})`);
		}
	}

	#memory(taskId: string): TaskMemory {
		let memory = this.#tasks.get(taskId);
		if (memory === undefined) {
			memory = {restarts: [], lastLoopAlert: null, killedAttempt: null};
			this.#tasks.set(taskId, memory);
		}

		return memory;
	}
}
