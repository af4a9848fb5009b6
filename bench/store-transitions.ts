/**
 * Sustained persisted transitions per second: batches of N task upserts + N events, one
 * transaction each (WAL, synchronous = NORMAL, as the daemon runs), for ~3 s per N.
 * Run with `npx tsx bench/store-transitions.ts [seconds-per-size]`. Target: ≥ 10,000 transitions/s.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import type {TaskState} from '../src/core/model.js';
import {Store} from '../src/store/store.js';
import type {Batch, NewEvent, TaskRow} from '../src/store/types.js';
import {makeSpec} from '../test/helpers/spec.js';

const seconds = Number(process.argv[2] ?? 3);
const sizes = [1, 10, 100, 1000];
const pool = 1000;
const dir = mkdtempSync(join(tmpdir(), 'tm-bench-store-'));

function makeTask(index: number): TaskRow {
	const id = `job-${index}`;
	return {
		id,
		kind: 'job',
		program: 'batch',
		spec: makeSpec({id, kind: 'job', program: 'batch', name: 'batch', env: {INDEX: String(index)}}),
		record: {state: {kind: 'queued', since: 0, reason: 'submitted', eligibleAt: null}, cause: 'none', want: 'up', restarts: 0, attempt: 0, failures: 0, crashes: 0, upSince: null},
		info: {progress: null, progressText: null, status: null, checkpoint: null, heartbeatAt: null},
		priority: 999,
		queueSeq: index,
		createdAt: 0,
		updatedAt: 0,
		finishedAt: null,
	};
}

/** The n-th transition of a task: a new state (alternating running/backoff), its counters and one event. */
function transition(task: TaskRow, n: number): {task: TaskRow; event: NewEvent} {
	const state: TaskState =
		n % 2 === 0
			? {kind: 'running', since: n, reason: 'ready', pid: 10_000 + (n % 50_000)}
			: {kind: 'backoff', since: n, reason: 'exited with code 1', until: n + 1000, lastExit: {code: 1, signal: null, at: n}};
	const next: TaskRow = {
		...task,
		record: {...task.record, state, restarts: task.record.restarts + 1, attempt: task.record.attempt + 1},
		info: {...task.info, progress: (n % 100) / 100, heartbeatAt: n},
		updatedAt: n,
	};
	return {task: next, event: {taskId: task.id, at: n, type: 'state', data: {from: task.record.state.kind, to: state.kind, reason: state.reason}}};
}

type Row = {size: number; batches: number; transitions: number; seconds: number; perSecond: number; p50: number; p99: number};

function percentile(sorted: number[], fraction: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

function run(size: number): Row {
	const file = join(dir, `transitions-${size}.db`);
	const store = Store.open(file);
	const tasks = Array.from({length: pool}, (_, index) => makeTask(index));
	store.writeBatch({tasks, runStarts: [], runEnds: [], events: []});
	const durations: number[] = [];
	let n = 0;
	let cursor = 0;
	const start = performance.now();
	const deadline = start + seconds * 1000;
	while (performance.now() < deadline) {
		const batch: Batch = {tasks: [], runStarts: [], runEnds: [], events: []};
		for (let i = 0; i < size; i++) {
			const index = cursor;
			cursor = (cursor + 1) % pool;
			const step = transition(tasks[index]!, ++n);
			tasks[index] = step.task;
			batch.tasks.push(step.task);
			batch.events.push(step.event);
		}

		const before = performance.now();
		store.writeBatch(batch);
		durations.push(performance.now() - before);
	}

	const elapsed = (performance.now() - start) / 1000;
	const counts = store.counts();
	store.close();
	if (counts.events !== n) {
		throw new Error(`expected ${n} events, found ${counts.events}`);
	}

	durations.sort((a, b) => a - b);
	process.stderr.write(`  N=${size}: ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB on disk\n`);
	return {size, batches: durations.length, transitions: n, seconds: elapsed, perSecond: n / elapsed, p50: percentile(durations, 0.5), p99: percentile(durations, 0.99)};
}

try {
	const rows = sizes.map((size) => run(size));
	const line = (cells: string[]): string => `${cells.map((cell, index) => (index === 0 ? cell.padEnd(6) : cell.padStart(14))).join(' ')}\n`;
	process.stdout.write(`\nstore-transitions: ${pool} tasks, WAL, synchronous=NORMAL, ~${seconds} s per size\n`);
	process.stdout.write(line(['N', 'batches', 'transitions/s', 'rows/s', 'batch p50 ms', 'batch p99 ms']));
	for (const row of rows) {
		process.stdout.write(
			line([
				String(row.size),
				String(row.batches),
				Math.round(row.perSecond).toLocaleString('en-US'),
				Math.round(row.perSecond * 2).toLocaleString('en-US'),
				row.p50.toFixed(3),
				row.p99.toFixed(3),
			]),
		);
	}

	process.stdout.write('(a transition = 1 task upsert + 1 event insert = 2 rows; target ≥ 10,000 transitions/s)\n');
} finally {
	rmSync(dir, {recursive: true, force: true});
}
