/**
 * Tasks, details and screens for the dashboard's tests.
 */
import type {EventEmitter} from 'node:events';
import type {ReactElement} from 'react';
import {createElement} from 'react';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import type {StatusDoc, TaskDetail, TaskStatus} from '../../src/core/ipc/methods.js';
import {LiveData} from '../../src/tui/live.js';
import {LogFeed} from '../../src/tui/log-feed.js';
import {reduceContextOf, layoutOf} from '../../src/tui/components/Dashboard.js';
import type {ReduceContext, UiState} from '../../src/tui/state.js';
import {compileFilter, visibleTasks} from '../../src/tui/view.js';
import {capacityFree, diskOk, taskStatus} from './task-status.js';

export const NOW = Date.parse('2026-11-23T10:00:00.000Z');
export const ago = (ms: number): string => new Date(NOW - ms).toISOString();

export function task(name: string, fields: Partial<TaskStatus> = {}): TaskStatus {
	return taskStatus(name, {pid: 1000, startedAt: ago(65_000), cpu: 1.5, memory: 31_457_280, cpuSeconds: 3, ...fields});
}

export function detail(of: TaskStatus, fields: Partial<TaskDetail> = {}): TaskDetail {
	return {
		...of,
		cmd: 'sleep 1000',
		argv: ['sleep', '1000'],
		cwd: '/srv/app',
		user: null,
		autorestart: 'unexpected',
		exitcodes: [0],
		maxRetries: 3,
		failures: 0,
		stopsignal: 'SIGTERM',
		stoptimeMs: 10_000,
		watchdogMs: null,
		heartbeatIntervalMs: 10_000,
		maxRuntimeMs: null,
		maxMemory: null,
		lastExit: null,
		checkpointBytes: 0,
		logs: {stdout: `/home/logs/${of.id}.out.log`, stderr: `/home/logs/${of.id}.err.log`},
		dependsOn: {},
		schedule: null,
		...fields,
	};
}

export function statusDoc(tasks: TaskStatus[]): StatusDoc {
	return {daemon: {pid: 42, startedAt: ago(3_600_000 + 120_000), version: '0.1.0', home: '/home', config: null, disk: diskOk, capacity: capacityFree}, tasks, host: null};
}

/** A connected LiveData holding `tasks`, its clock at NOW. */
export function liveData(tasks: TaskStatus[]): LiveData {
	const data = new LiveData(0);
	data.applySnapshot(statusDoc(tasks));
	data.connection = {status: 'connected', error: null, attempts: 0};
	data.host = {hostname: 'host-a', load: [0.5, 0.4, 0.3], cpus: 2, memoryTotal: 8 * 1024 ** 3, memoryFree: 6 * 1024 ** 3, diskFree: null};
	data.now = NOW;
	data.dispose();
	return data;
}

export function numbered(count: number, fields: (i: number) => Partial<TaskStatus> = () => ({})): TaskStatus[] {
	return Array.from({length: count}, (_, i) => task(`worker-${String(i).padStart(4, '0')}`, {pid: 2000 + i, ...fields(i)}));
}

/** The reducer's context for `tasks` on a cols×rows screen. */
export function contextFor(state: UiState, tasks: TaskStatus[], cols = 80, rows = 24, logs = new LogFeed(0)): ReduceContext {
	const view = visibleTasks(tasks, compileFilter(state.filter), state.sort, NOW);
	return reduceContextOf(layoutOf(cols, rows, state), state, view, logs);
}

/**
 * Renders with ink-testing-library on a terminal of `cols` columns (its fake stdout says 100;
 * the size is set before the real tree is mounted).
 */
export function renderAt(tree: ReactElement, cols: number, rows: number): ReturnType<typeof render> {
	const screen = render(createElement(Text, null, ''));
	for (const [key, value] of [
		['columns', cols],
		['rows', rows],
	] as const) {
		Object.defineProperty(screen.stdout, key, {value, configurable: true});
	}

	(screen.stdout as unknown as EventEmitter).emit('resize');
	screen.rerender(tree);
	return screen;
}

/** The frame's lines without colour codes. */
export function lines(frame: string | undefined): string[] {
	// eslint-disable-next-line no-control-regex
	return (frame ?? '').replace(/\u001B\[[0-9;]*m/g, '').split('\n');
}

/** Lets effects and the stdin listener run. */
export const tick = (ms = 0): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
