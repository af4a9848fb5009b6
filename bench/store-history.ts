/**
 * `history(task, 50)` on a big store: 1,000,000 events (and 10,000 runs) spread across 1,000
 * tasks, interleaved as a busy daemon would write them. Times 100 warm calls (median, p95), and
 * the first call on a fresh connection after reopening (SQLite's cache cold; the OS page cache
 * stays warm), through the daemon's Store and through the CLI's readonly store by program name.
 * Prints the query plans to show the (task_id, id) indexes are used, then times pruning the
 * oldest tenth of the events in batches, as the daemon's cleanup turn does.
 * Run with `npx tsx bench/store-history.ts [events]`. Target: ≤ 50 ms.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import {historySql} from '../src/store/reads.js';
import {openReadonlyStore} from '../src/store/readonly.js';
import {Store} from '../src/store/store.js';
import type {Batch, TaskRow} from '../src/store/types.js';
import {makeSpec} from '../test/helpers/spec.js';

const totalEvents = Number(process.argv[2] ?? 1_000_000);
const taskCount = 1000;
const runsPerTask = 10;
const eventsPerTransaction = 50_000;
const limit = 50;
const calls = 100;
const dir = mkdtempSync(join(tmpdir(), 'tm-bench-history-'));
const file = join(dir, 'tm.db');

function makeTask(index: number): TaskRow {
	const id = `svc-${index}:0`;
	const program = `svc-${index}`;
	return {
		id,
		kind: 'service',
		program,
		spec: makeSpec({id, program, name: program}),
		record: {state: {kind: 'running', since: 0, reason: 'ready', pid: 1000 + index}, cause: 'none', want: 'up', restarts: 0, attempt: 1, failures: 0, crashes: 0, upSince: 0},
		info: {progress: null, progressText: null, status: null, checkpoint: null, heartbeatAt: null},
		priority: 999,
		queueSeq: index,
		createdAt: 0,
		updatedAt: 0,
		finishedAt: null,
	};
}

function fill(store: Store): number {
	const started = performance.now();
	store.writeBatch({
		tasks: Array.from({length: taskCount}, (_, index) => makeTask(index)),
		runStarts: Array.from({length: taskCount * runsPerTask}, (_, index) => ({
			taskId: `svc-${index % taskCount}:0`,
			attempt: Math.floor(index / taskCount) + 1,
			pid: 100_000 + index,
			pidStart: String(index),
			bootId: 'bench',
			startedAt: index,
		})),
		runEnds: [],
		events: [],
	});
	for (let written = 0; written < totalEvents; ) {
		const batch: Batch = {tasks: [], runStarts: [], runEnds: [], events: []};
		const end = Math.min(totalEvents, written + eventsPerTransaction);
		for (; written < end; written++) {
			// A pseudo-random task per event, so one task's events are scattered over the whole table.
			const task = (written * 7919) % taskCount;
			batch.events.push({taskId: `svc-${task}:0`, at: written, type: 'state', data: {from: 'starting', to: 'running', reason: 'ready', n: written}});
		}

		store.writeBatch(batch);
	}

	return performance.now() - started;
}

function time(work: () => unknown): number {
	const started = performance.now();
	work();
	return performance.now() - started;
}

type Stats = {median: number; p95: number; max: number};

function stats(samples: number[]): Stats {
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
	return {median: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0};
}

function expect(condition: boolean, message: string): void {
	if (!condition) {
		throw new Error(message);
	}
}

try {
	process.stderr.write(`filling ${file} with ${totalEvents.toLocaleString('en-US')} events across ${taskCount} tasks…\n`);
	let store = Store.open(file);
	const fillMs = fill(store);
	const counts = store.counts();
	store.close();
	const megabytes = statSync(file).size / 1024 / 1024;

	const target = 'svc-123:0';
	const rows: Array<[string, string]> = [];
	const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

	let openMs = time(() => {
		store = Store.open(file);
	});
	let first = time(() => store.history(target, limit));
	rows.push(['Store.open (reopen, validate)', fmt(openMs)], ['Store.history, first call after reopen', fmt(first)]);
	const samples: number[] = [];
	for (let i = 0; i < calls; i++) {
		const task = i === 0 ? target : `svc-${(i * 37) % taskCount}:0`;
		samples.push(time(() => store.history(task, limit)));
	}

	const check = store.history(target, limit);
	expect(check.events.length === limit && check.runs.length === runsPerTask, 'history returned the wrong number of rows');
	expect(check.events.every((event, index) => index === 0 || event.id < check.events[index - 1]!.id), 'events are not newest first');
	store.close();
	const warm = stats(samples);
	rows.push([`Store.history x${calls} (various tasks), median`, fmt(warm.median)], [`  p95`, fmt(warm.p95)], ['  max', fmt(warm.max)]);

	let reader = openReadonlyStore(file);
	reader.close();
	openMs = time(() => {
		reader = openReadonlyStore(file);
	});
	first = time(() => reader.history('svc-123', limit));
	const readonlySamples = Array.from({length: calls}, (_, i) => time(() => reader.history(`svc-${(i * 37) % taskCount}`, limit)));
	reader.close();
	const readonlyWarm = stats(readonlySamples);
	rows.push(
		['openReadonlyStore', fmt(openMs)],
		['readonly history by name, first call', fmt(first)],
		[`readonly history by name x${calls}, median`, fmt(readonlyWarm.median)],
		['  p95', fmt(readonlyWarm.p95)],
	);

	// The daemon's cleanup turn: prune the oldest 10% of events, 5,000 rows per call.
	store = Store.open(file);
	const pruneSamples: number[] = [];
	for (let more = true; more; ) {
		pruneSamples.push(
			time(() => {
				more = store.prune({now: totalEvents / 10, finishedMs: 0, historyMs: 0, batchSize: 5000}).more;
			}),
		);
	}

	expect(store.counts().events === totalEvents - totalEvents / 10, 'prune removed the wrong number of events');
	store.close();
	const prune = stats(pruneSamples);
	rows.push([`prune, 5,000 events a call x${pruneSamples.length}, median`, fmt(prune.median)], ['  max', fmt(prune.max)]);

	const db = new BetterSqlite3(file, {readonly: true});
	const plans = Object.entries(historySql).map(([name, sql]) => {
		const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(target, limit) as Array<{detail: string}>;
		return `  ${name.padEnd(7)} ${sql}\n          -> ${plan.map((step) => step.detail).join('; ')}`;
	});
	db.close();

	process.stdout.write(
		`\nstore-history: ${counts.events.toLocaleString('en-US')} events, ${counts.runs.toLocaleString('en-US')} runs, ${counts.tasks} tasks; ` +
			`${megabytes.toFixed(0)} MB; filled in ${(fillMs / 1000).toFixed(1)} s (${Math.round(totalEvents / (fillMs / 1000)).toLocaleString('en-US')} events/s)\n`,
	);
	process.stdout.write(`history(task, ${limit}): ${limit} events + ${runsPerTask} runs per call; target ≤ 50 ms\n`);
	for (const [name, value] of rows) {
		process.stdout.write(`${name.padEnd(46)} ${value.padStart(12)}\n`);
	}

	process.stdout.write(`query plans:\n${plans.join('\n')}\n`);
} finally {
	rmSync(dir, {recursive: true, force: true});
}
