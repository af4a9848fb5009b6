/**
 * Rows and temp homes for the store tests: a TaskRow for every TaskState variant, runs and events,
 * and a snapshot of a file (bytes, mtime, side files) to prove a refused file was left untouched.
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, beforeEach} from 'node:test';
import type {ExitInfo, TaskState} from '../../src/core/model.js';
import {Store} from '../../src/store/store.js';
import type {NewEvent, RunStart, TaskRow} from '../../src/store/types.js';
import {makeSpec} from './spec.js';

/** A fresh temp folder and a function that removes it. */
export function tempHome(): {dir: string; file: string; cleanup: () => void} {
	const dir = mkdtempSync(join(tmpdir(), 'tm-store-'));
	return {dir, file: join(dir, 'tm.db'), cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/**
 * A fresh store in a folder of its own for every test of the calling file, closed after it;
 * `use` gets the store and its folder before each test.
 */
export function storePerTest(use: (store: Store, folder: string) => void): void {
	const home = tempHome();
	after(home.cleanup);
	let cases = 0;
	let store: Store | null = null;
	beforeEach(() => {
		const folder = `${home.dir}/case-${++cases}`;
		store = Store.open(`${folder}/tm.db`);
		use(store, folder);
	});
	afterEach(() => {
		store?.close();
	});
}

const exit: ExitInfo = {code: 1, signal: null, at: 990};
const killed: ExitInfo = {code: null, signal: 'SIGKILL', at: 991};

/** One TaskState of each kind, with every optional field filled one way or the other. */
export const everyState: TaskState[] = [
	{kind: 'stopped', since: 1000, reason: 'stopped by request', lastExit: killed},
	{kind: 'queued', since: 1001, reason: 'submitted; delayed until 1970-01-01T00:00:02.001Z', eligibleAt: 2001},
	{kind: 'starting', since: 1002, reason: 'spawned', pid: 4242, readyBy: 3002},
	{kind: 'running', since: 1003, reason: 'ready', pid: 4243},
	{kind: 'backoff', since: 1004, reason: 'exited with code 1', until: 2004, lastExit: exit},
	{kind: 'stopping', since: 1005, reason: 'stop requested', pid: 4244, killAt: null, then: 'requeue'},
	{kind: 'paused', since: 1006, reason: 'paused', pid: 4245, runningSince: 900},
	{kind: 'completed', since: 1007, reason: 'exited with code 0', lastExit: {code: 0, signal: null, at: 1007}},
	{kind: 'failed', since: 1008, reason: 'retries exhausted', lastExit: null},
	{kind: 'fatal', since: 1009, reason: 'could not spawn: ENOENT', lastExit: exit},
];

/** A task row; `id` also names its program unless overridden. */
export function makeTask(id: string, overrides: Partial<TaskRow> = {}): TaskRow {
	const kind = overrides.kind ?? 'service';
	const program = overrides.program ?? id;
	return {
		id,
		kind,
		program,
		spec: makeSpec({id, kind, program, name: program, env: {TOKEN: 'x'}, dependsOn: {db: 'ready'}}),
		record: {
			state: {kind: 'running', since: 1000, reason: 'ready', pid: 100},
			want: 'up',
			cause: 'none',
			restarts: 2,
			attempt: 3,
			failures: 0,
			crashes: 1,
			upSince: 1000,
		},
		info: {progress: 0.25, progressText: '1/4', status: 'warming up ✓', checkpoint: '{"offset":12}', heartbeatAt: 1100},
		priority: 999,
		queueSeq: 1,
		createdAt: 500,
		updatedAt: 1100,
		finishedAt: null,
		...overrides,
	};
}

export function makeRunStart(taskId: string, pid: number, startedAt = 1000): RunStart {
	return {taskId, attempt: 1, pid, pidStart: '123456', bootId: 'boot-1', startedAt};
}

export function makeEvent(taskId: string | null, at: number, type = 'state'): NewEvent {
	return {taskId, at, type, data: {from: 'starting', to: 'running', nested: {list: [1, 'two', null]}}};
}

/** What must not change when tm refuses a file. */
export type FileSnapshot = {sha256: string; mtimeMs: number; size: number; wal: boolean; shm: boolean};

/** Pins the file's mtime to a past instant (so any write would show), then snapshots it. */
export function pinAndSnapshot(file: string): FileSnapshot {
	utimesSync(file, new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
	return snapshot(file);
}

export function snapshot(file: string): FileSnapshot {
	const stat = statSync(file);
	return {
		sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
		mtimeMs: stat.mtimeMs,
		size: stat.size,
		wal: existsSync(`${file}-wal`),
		shm: existsSync(`${file}-shm`),
	};
}
