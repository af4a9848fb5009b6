/**
 * Recovery at start, once the socket and tm.db are ours: what the last daemon left (its rows,
 * its open runs, processes it started) against the config and this boot (the plan is pure:
 * core/recovery.ts), written down with this daemon's own facts (`meta`); then every task joins
 * the engine, and the processes a dead daemon left are stopped (adopted in `stopping`) before
 * their task starts again.
 */
import {randomUUID} from 'node:crypto';
import type {Clock} from '../clock.js';
import {programDefaults} from '../config/defaults.js';
import {expandTasks} from '../config/index.js';
import type {Engine} from '../engine.js';
import type {Config, TaskSpec} from '../model.js';
import {isOrphanAlive, type Orphan} from '../process/orphans.js';
import {defaultLogPaths} from '../paths.js';
import {processStartTime} from '../process/proc.js';
import {findTaskProcesses, unrecordedStarts, type TaskProcess} from '../process/unrecorded.js';
import type {Batch, RunRow, TaskRow} from '../ports.js';
import {planRecovery, type RecoveredTask, type RecoveryPlan} from '../recovery.js';
import {Supervisor} from '../supervisor.js';
import type {RunTimes} from '../task-facts.js';

/** What recovery reads and writes of tm.db. */
export type RecoveryStore = {
	loadTasks(): TaskRow[];
	openRuns(): RunRow[];
	hasRun(taskId: string, attempt: number): boolean;
	/** The start and end of a task's latest run, or null when it never ran. */
	lastRun(taskId: string): RunTimes | null;
	getMeta(key: string): string | null;
	setMeta(key: string, value: string): void;
	writeBatch(batch: Batch): void;
};

export type RecoveryInput = {
	store: RecoveryStore;
	config: Config;
	/** The control socket, whose tasks carry it in TM_SOCKET; null when the daemon has none. */
	socketPath: string | null;
	bootId: string;
	startedAt: number;
};

/**
 * The plan for the stored tasks, with the runs it closes and its events written, the processes
 * a dead daemon started but never recorded joined to it, and this daemon's meta recorded.
 */
export function planStart({store, config, socketPath, bootId, startedAt}: RecoveryInput): RecoveryPlan {
	const plan = planRecovery({
		specs: expandTasks(config),
		rows: store.loadTasks(),
		openRuns: store.openRuns(),
		bootId,
		lastBootId: store.getMeta('boot_id'),
		now: startedAt,
		forgetBefore: startedAt - config.daemon.retention.finishedMs,
		isAlive: run => isOrphanAlive(run),
	});
	store.writeBatch({tasks: [], runStarts: [], runEnds: plan.runEnds, events: plan.events});
	for (const item of plan.tasks) {
		item.lastRun = store.lastRun(item.spec.id);
	}

	if (socketPath !== null) {
		addUnrecorded(plan, findTaskProcesses(socketPath), plan.rebooted ? null : store.getMeta('daemon_start_ticks'), (id, attempt) => store.hasRun(id, attempt));
	}

	store.setMeta('daemon_start_ticks', processStartTime(process.pid) ?? '');
	store.setMeta('boot_id', bootId);
	store.setMeta('daemon_pid', String(process.pid));
	store.setMeta('daemon_instance', randomUUID());
	store.setMeta('daemon_started_at', String(startedAt));
	return plan;
}

/** Every planned task joins the engine and then acts on its plan; resolves once every orphan has been dealt with. */
export function resume(plan: RecoveryPlan, engine: Engine, clock: Clock, home: string): Promise<void> {
	return Promise.all([
		...plan.tasks.map(async item => {
			const task = engine.add(item.spec, item);
			// A job failed by hand while it stopped stays failed once its leftover is gone.
			const then = item.then === 'none' ? (item.record.state.kind === 'failed' ? 'fail' : 'stopped') : 'restart';
			await stopOrphans(item.orphans, clock, task, engine, home, then);
			act(item, task, engine);
		}),
		stopOrphans(plan.strayOrphans, clock, null, engine, home),
	]).then(() => undefined);
}

/**
 * Processes the last daemon started but never recorded (killed in the pass that started them:
 * process/unrecorded.ts) join their task's orphans, so they are stopped before it starts again;
 * those of a task this daemon does not have are stopped with the default signal and time.
 */
function addUnrecorded(plan: RecoveryPlan, found: TaskProcess[], previousStart: string | null, hasRun: (taskId: string, attempt: number) => boolean): void {
	const byId = new Map(plan.tasks.map(item => [item.spec.id, item]));
	const known = new Set([...plan.tasks.flatMap(item => item.orphans), ...plan.strayOrphans].map(orphan => orphan.pid));
	for (const process of unrecordedStarts(found, previousStart, hasRun)) {
		if (!known.has(process.pid)) {
			const item = byId.get(process.taskId);
			const stop = item?.spec ?? programDefaults;
			(item?.orphans ?? plan.strayOrphans).push({pid: process.pid, pidStart: process.pidStart, stopsignal: stop.stopsignal, stoptimeMs: stop.stoptimeMs, unrecorded: true});
		}
	}
}

/**
 * Processes a previous daemon left are restored as their task in `stopping` (Supervisor.adopt):
 * the machine's one escalation stops them. Those of a task this daemon does not have get a
 * supervisor of their own for that, never listed.
 */
async function stopOrphans(orphans: Orphan[], clock: Clock, task: Supervisor | null, engine: Engine, home: string, then: 'stopped' | 'restart' | 'fail' = 'stopped'): Promise<void> {
	const groups = task === null ? orphans.map(orphan => [orphan]) : orphans.length > 0 ? [orphans] : [];
	await Promise.all(
		groups.map(async group => {
			const owner = task ?? straySupervisor(group[0]!, clock, home);
			const alive = group.filter(orphan => isOrphanAlive(orphan));
			const reason = `pid ${group.map(o => o.pid).join(', ')} ${describeOrphan(group[0]!)}`;
			const how = await owner.adopt(group, reason, then);
			if (task === null) {
				owner.dispose();
			}

			if (how !== 'not-running') {
				for (const orphan of alive) {
					engine.note(task?.id ?? null, 'orphan-stopped', {pid: orphan.pid, how, reason: `pid ${orphan.pid} ${describeOrphan(orphan)} ${how}`});
				}
			}
		}),
	);
}

function describeOrphan(orphan: Orphan): string {
	return orphan.unrecorded ? 'started by a previous daemon that died before recording it' : 'left by a previous daemon';
}

/** A supervisor for a process whose task is gone from the config: it only ever stops it. */
function straySupervisor(orphan: Orphan, clock: Clock, home: string): Supervisor {
	const id = `orphan-${orphan.pid}`;
	const spec: TaskSpec = {...programDefaults, id, kind: 'service', program: id, instance: 0, retries: 0, retryOnTimeout: false, name: id, cmd: '', argv: [], stopsignal: orphan.stopsignal, stoptimeMs: orphan.stoptimeMs};
	const logs = defaultLogPaths(home, id);
	return new Supervisor(spec, {clock, random: Math.random, baseEnv: {}, defaultCwd: home, stdoutPath: logs.stdout, stderrPath: logs.stderr, socketPath: null, onChange: () => {}, onEnqueue: () => {}});
}

function act(item: RecoveredTask, task: Supervisor, engine: Engine): void {
	// A task whose leftover process was stopped is queued again or stopped now, whatever the plan restored it as.
	const {kind} = task.record.state;
	switch (item.then) {
		case 'start': {
			const restored = item.record.want === 'up' && item.record.attempt > 0;
			task.dispatch({type: 'start', reason: restored ? 'restored' : 'autostart', cause: restored ? 'restored' : 'config'});
			break;
		}

		case 'enqueue': {
			if (kind === 'queued') {
				engine.requeue(task);
			} else {
				task.dispatch({type: 'start', reason: item.record.state.reason, cause: 'restored'});
			}

			break;
		}

		case 'arm-timer': {
			// A backoff's next attempt, or a delayed job's time.
			if (kind === 'backoff' || kind === 'queued') {
				task.resumeTimer();
			} else {
				task.dispatch({type: 'start', reason: item.record.state.reason, cause: 'restored'});
			}

			break;
		}

		case 'none': {
			break;
		}
	}
}
