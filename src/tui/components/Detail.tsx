// @jsxRuntime automatic
// @jsxImportSource react
/**
 * Everything about the selected task: command, cwd, user, restart policy, retries, last exit,
 * heartbeat interval and age, progress, checkpoint size, log paths, dependencies. The live
 * counters come from the task list (refreshed every interval); the rest from `describe`.
 */
import {Box} from 'ink';
import type {TaskDetail, TaskStatus} from '../../core/ipc/methods.js';
import type {Segment} from '../columns.js';
import {heartbeatLevel} from '../columns.js';
import {ageOf, countdown, fit, NONE, shortBytes, shortDuration} from '../format.js';
import type {Theme} from '../theme.js';
import {Line, TextLine} from './Line.js';

export type DetailProps = {
	task: TaskStatus | undefined;
	detail: TaskDetail | undefined;
	/** false: the daemon does not answer `describe`; null: not known yet. */
	describeSupported: boolean | null;
	now: number;
	width: number;
	height: number;
	theme: Theme;
};

const label = 11;

function ms(value: number | null | undefined): string {
	return value === null || value === undefined ? NONE : shortDuration(value);
}

function time(iso: string, now: number): string {
	const at = new Date(iso);
	const age = ageOf(iso, now);
	const clock = Number.isNaN(at.getTime()) ? iso : at.toTimeString().slice(0, 8);
	return age === null ? clock : `${clock} (${shortDuration(age)} ago)`;
}

/** The detail's rows: a label and its value segments. */
export function detailRows(task: TaskStatus, detail: TaskDetail | undefined, describeSupported: boolean | null, now: number, theme: Theme): Array<[string, Segment[]]> {
	const rows: Array<[string, Segment[]]> = [];
	const add = (name: string, ...value: Array<Segment | string>): void => {
		rows.push([name, value.map(v => (typeof v === 'string' ? {text: v} : v))]);
	};

	const state: Segment = {text: task.state, hue: theme.stateHue(task.state), bold: true};
	const until = task.state === 'backoff' ? ageOf(task.backoffUntil, now) : null;
	const nextRun = ageOf(task.nextRunAt ?? null, now);
	add(
		'state',
		state,
		` ${task.reason}`,
		until === null ? '' : {text: ` · next try in ${countdown(-until)}`, hue: theme.hue('yellow')},
		nextRun === null ? '' : ` · next run in ${countdown(-nextRun)}`,
	);
	add('pid', task.pid === null ? NONE : String(task.pid), task.startedAt ? ` · up ${ms(ageOf(task.startedAt, now))}` : '', ` · ${task.kind}`, ` · priority ${task.priority}`);
	if (detail) {
		add('command', detail.cmd);
		add('cwd', detail.cwd ?? NONE, ` · user ${detail.user ?? NONE}`);
		add('restart', `${detail.autorestart} · exit codes ${detail.exitcodes.join(',')} · stop ${detail.stopsignal} then KILL after ${ms(detail.stoptimeMs)}`);
		add(
			'retries',
			{text: `${detail.failures}/${detail.maxRetries} failed starts`, hue: detail.failures > 0 ? theme.hue('yellow') : undefined},
			` · ${task.restarts} restarts · attempt ${task.attempt}`,
		);
		add('last exit', detail.lastExit ? `${detail.lastExit.signal ?? `exit ${detail.lastExit.code ?? '?'}`} at ${time(detail.lastExit.at, now)}` : NONE);
	} else {
		add('retries', `${task.restarts} restarts · attempt ${task.attempt}`);
		add('last exit', task.exitCode === null ? NONE : `exit ${task.exitCode}`);
	}

	const hbAge = ageOf(task.heartbeatAt, now);
	const watchdogMs = task.watchdogMs ?? detail?.watchdogMs ?? null;
	const level = hbAge === null ? 'none' : heartbeatLevel(hbAge, watchdogMs);
	const hbHue = level === 'overdue' ? theme.hue('red') : level === 'late' ? theme.hue('yellow') : level === 'ok' ? theme.hue('green') : undefined;
	add(
		'heartbeat',
		detail ? `every ${ms(detail.heartbeatIntervalMs)} · ` : '',
		`watchdog ${watchdogMs ? ms(watchdogMs) : 'off'} · `,
		{text: hbAge === null ? 'none yet' : `last ${shortDuration(hbAge)} ago${level === 'overdue' ? ' (overdue)' : ''}`, hue: hbHue},
	);
	if (task.progress !== null || task.progressText) {
		add('progress', `${task.progress ?? 0}%${task.progressText ? ` ${task.progressText}` : ''}`);
	}

	if (task.status) {
		add('status', task.status);
	}

	if (detail) {
		add('checkpoint', detail.checkpointBytes > 0 ? shortBytes(detail.checkpointBytes) : NONE);
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
	} else if (describeSupported === false) {
		add('', {text: 'this daemon does not answer `describe` yet: command, cwd, policy and log paths are unknown', dim: true});
	} else {
		add('', {text: 'loading…', dim: true});
	}

	return rows;
}

export function Detail({task, detail, describeSupported, now, width, height, theme}: DetailProps) {
	const title = `${theme.rule} detail ${task?.id ?? ''} `;
	const rows = task ? detailRows(task, detail, describeSupported, now, theme) : [];
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
