// @jsxRuntime automatic
// @jsxImportSource react
/**
 * Everything about the selected task: state and cause, command, cwd, user, restart policy,
 * retries, last exit, heartbeat interval and age, progress, checkpoint size, log paths,
 * dependencies. The live part is the task's document (current with every event); the part that
 * only changes with the config comes from `describe`, asked when the detail opened.
 */
import {Box} from 'ink';
import type {TaskDetail, TaskStatus} from '../../core/ipc/methods.js';
import type {Segment} from '../columns.js';
import {heartbeatLevel} from '../../core/liveness.js';
import type {DetailState} from '../details.js';
import {ageOf, countdown, fit, NONE, shortBytes, shortDuration} from '../format.js';
import type {Theme} from '../theme.js';
import {Line, TextLine} from './Line.js';

export type DetailProps = {
	task: TaskStatus | undefined;
	/** What `describe` said of the task on screen, or null before it was asked. */
	detail: DetailState | null;
	now: number;
	width: number;
	height: number;
	theme: Theme;
};

const label = 11;

type Add = (name: string, ...value: Array<Segment | string>) => void;

function ms(value: number | null | undefined): string {
	return value === null || value === undefined ? NONE : shortDuration(value);
}

function time(iso: string, now: number): string {
	const at = new Date(iso);
	const age = ageOf(iso, now);
	const clock = Number.isNaN(at.getTime()) ? iso : at.toTimeString().slice(0, 8);
	return age === null ? clock : `${clock} (${shortDuration(age)} ago)`;
}

/** State, cause, pid: from the document. */
function stateRows(add: Add, task: TaskStatus, now: number, theme: Theme): void {
	const until = task.state === 'backoff' ? ageOf(task.backoffUntil, now) : null;
	const nextRun = ageOf(task.nextRunAt ?? null, now);
	const eligible = ageOf(task.eligibleAt, now);
	add(
		'state',
		{text: task.state, hue: theme.stateHue(task.state), bold: true},
		` ${task.reason}`,
		until === null ? '' : {text: ` · next try in ${countdown(-until)}`, hue: theme.hue('yellow')},
		eligible === null || task.eligibleAt === null ? '' : ` · eligible at ${new Date(task.eligibleAt).toTimeString().slice(0, 8)}, in ${countdown(-eligible)}`,
		nextRun === null ? '' : ` · next run in ${countdown(-nextRun)}`,
	);
	add('cause', task.cause);
	add('pid', task.pid === null ? NONE : String(task.pid), task.startedAt && task.endedAt === null ? ` · up ${ms(ageOf(task.startedAt, now))}` : '', ` · ${task.kind}`, ` · priority ${task.priority}`);
}

/** Command, cwd, restart policy: from `describe`. */
function policyRows(add: Add, detail: TaskDetail): void {
	add('command', detail.cmd);
	add('cwd', detail.cwd ?? NONE, ` · user ${detail.user ?? NONE}`);
	add('restart', `${detail.autorestart} · exit codes ${detail.exitcodes.join(',')} · stop ${detail.stopsignal} then KILL after ${ms(detail.stoptimeMs)}`);
}

/** Retries, last exit, heartbeat, progress, checkpoint: from the document. */
function runRows(add: Add, task: TaskStatus, now: number, theme: Theme): void {
	add(
		'retries',
		{text: `${task.failures}/${task.maxRetries} failed starts`, hue: task.failures > 0 ? theme.hue('yellow') : undefined},
		` · ${task.restarts} restarts · attempt ${task.attempt}`,
	);
	add('last exit', task.lastExit ? `${task.lastExit.signal ?? `exit ${task.lastExit.code ?? '?'}`} at ${time(task.lastExit.at, now)}` : NONE);
	const hbAge = ageOf(task.heartbeatAt, now);
	const level = hbAge === null ? 'none' : heartbeatLevel(hbAge, task.heartbeatIntervalMs, task.watchdogMs);
	const hbHue = level === 'overdue' ? theme.hue('red') : level === 'late' ? theme.hue('yellow') : level === 'ok' ? theme.hue('green') : undefined;
	add(
		'heartbeat',
		// heartbeat_interval is what tm expects, not what the task does; the watchdog is what it enforces.
		`expected every ${ms(task.heartbeatIntervalMs)} · `,
		`watchdog ${task.watchdogMs ? ms(task.watchdogMs) : 'off'} · `,
		{text: hbAge === null ? 'none yet' : `last ${shortDuration(hbAge)} ago${level === 'overdue' ? ' (overdue)' : ''}`, hue: hbHue},
	);
	if (task.progress !== null || task.progressText) {
		add('progress', `${task.progress ?? 0}%${task.progressText ? ` ${task.progressText}` : ''}`);
	}

	if (task.status) {
		add('status', task.status);
	}

	add('checkpoint', task.checkpointBytes > 0 ? shortBytes(task.checkpointBytes) : NONE);
}

/** Log paths, dependencies, limits, schedule: from `describe`. */
function configRows(add: Add, detail: TaskDetail): void {
	add('stdout', detail.logs.stdout);
	add('stderr', detail.logs.stderr);
	const deps = Object.entries(detail.dependsOn);
	add('depends on', deps.length === 0 ? NONE : deps.map(([name, condition]) => `${name} (${condition})`).join(', '));
	if (detail.maxRuntimeMs !== null || detail.maxMemory !== null) {
		add('limits', `runtime ${ms(detail.maxRuntimeMs)} · memory ${detail.maxMemory === null ? NONE : shortBytes(detail.maxMemory)}`);
	}

	if (detail.schedule) {
		add('schedule', detail.schedule);
	}
}

/** The last row while `describe` has not answered (or cannot). */
function pendingRow(add: Add, state: DetailState | null, theme: Theme): void {
	switch (state?.status) {
		case 'unsupported': {
			add('', {text: 'this daemon does not answer `describe` yet: command, cwd, policy and log paths are unknown', dim: true});
			break;
		}

		case 'error': {
			add('', {text: `describe: ${state.error}`, hue: theme.hue('red')});
			break;
		}

		default: {
			add('', {text: 'loading…', dim: true});
		}
	}
}

/** The detail's rows: a label and its value segments. `state`: what `describe` said, if it was of this task. */
export function detailRows(task: TaskStatus, state: DetailState | null, now: number, theme: Theme): Array<[string, Segment[]]> {
	const rows: Array<[string, Segment[]]> = [];
	const add: Add = (name, ...value) => {
		rows.push([name, value.map(v => (typeof v === 'string' ? {text: v} : v))]);
	};

	const mine = state?.taskId === task.id ? state : null;
	const detail = mine?.status === 'ready' ? mine.detail : null;
	stateRows(add, task, now, theme);
	if (detail) {
		policyRows(add, detail);
	}

	runRows(add, task, now, theme);
	if (detail) {
		configRows(add, detail);
	} else {
		pendingRow(add, mine, theme);
	}

	return rows;
}

export function Detail({task, detail, now, width, height, theme}: DetailProps) {
	const title = `${theme.rule} detail ${task?.id ?? ''} `;
	const rows = task ? detailRows(task, detail, now, theme) : [];
	return (
		<Box flexDirection="column" width={width} height={height}>
			<TextLine text={title + theme.rule.repeat(Math.max(0, width - title.length))} width={width} bold />
			{task ? null : <TextLine text="  no task selected" dim />}
			{rows.slice(0, Math.max(0, height - 1)).map(([name, value], i) => (
				<Line key={i} width={width} segments={[{text: fit(name, label), dim: true}, ...value]} />
			))}
		</Box>
	);
}
