/**
 * State-machine throughput: calls per second of the pure `transition` (src/core/machine.ts) for
 * N tasks driven round-robin (one event for each task in turn, as a daemon interleaves them),
 * each with its own record, time and a spec with tm's program defaults. No I/O: this is the
 * ceiling the machine puts on supervision; spawning, the store and the socket cost far more.
 *
 * Two cycles, each checked before timing (every event must move the task to the expected
 * state, so nothing is timed on a no-op path):
 *  - lifecycle (14 events): start → admit → spawned → timer (starttime passed: running) →
 *    exited 1 (backoff) → timer (queued) → admit → spawned → timer (running) → pause → resume →
 *    stop (stopping) → timer (SIGKILL) → exited by SIGKILL (stopped), and again;
 *  - crash loop (4 events): admit → spawned → exited 1 before starttime (backoff) → timer
 *    (queued), with startretries high enough never to reach fatal.
 *
 * Each case runs twice: on the module as tsx loads it (development; tsx compiles with esbuild's
 * `keepNames`, which wraps every closure `transition` creates per call in a `__name` call), and
 * on the same source bundled the way `npm run build` bundles `dist/tm` (esbuild, minified, no
 * `keepNames`), written to a temp folder and imported from there.
 *
 * Run with `npx tsx bench/machine.ts [seconds-per-case] [tasks]` (defaults 2 s, 1,000 tasks;
 * tasks may be a comma-separated list such as 1,1000,100000). About 10 s with the defaults.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import * as esbuild from 'esbuild';
import {programDefaults} from '../src/core/config/defaults.js';
import * as source from '../src/core/machine.js';
import type {TaskEvent} from '../src/core/machine.js';
import type {StateKind, TaskRecord, TaskSpec} from '../src/core/model.js';
import {makeSpec} from '../test/helpers/spec.js';

const seconds = Number(process.argv[2] ?? 2);
const sizes = (process.argv[3] ?? '1000').split(',').map(Number);

if (!(seconds > 0) || sizes.some(n => !Number.isInteger(n) || n < 1)) {
	throw new Error('usage: npx tsx bench/machine.ts [seconds-per-case > 0] [tasks, e.g. 1,1000]');
}

/** What the bench uses of src/core/machine.ts. */
type Machine = Pick<typeof source, 'transition' | 'deadlineOf' | 'initialRecord'>;

/** One step of a cycle: the event (built from the task's current pid) and the state it must lead to. */
type Step = {event: (pid: number) => TaskEvent; expect: StateKind; timer?: boolean; spawn?: boolean};

const lifecycle: Step[] = [
	{event: () => ({type: 'start'}), expect: 'queued'},
	{event: () => ({type: 'admit'}), expect: 'starting'},
	{event: pid => ({type: 'spawned', pid}), expect: 'starting', spawn: true},
	{event: () => ({type: 'timer'}), expect: 'running', timer: true},
	{event: pid => ({type: 'exited', pid, code: 1, signal: null}), expect: 'backoff'},
	{event: () => ({type: 'timer'}), expect: 'queued', timer: true},
	{event: () => ({type: 'admit'}), expect: 'starting'},
	{event: pid => ({type: 'spawned', pid}), expect: 'starting', spawn: true},
	{event: () => ({type: 'timer'}), expect: 'running', timer: true},
	{event: () => ({type: 'pause'}), expect: 'paused'},
	{event: () => ({type: 'resume'}), expect: 'running'},
	{event: () => ({type: 'stop'}), expect: 'stopping'},
	{event: () => ({type: 'timer'}), expect: 'stopping', timer: true},
	{event: pid => ({type: 'exited', pid, code: null, signal: 'SIGKILL'}), expect: 'stopped'},
];

const crashLoop: Step[] = [
	{event: () => ({type: 'admit'}), expect: 'starting'},
	{event: pid => ({type: 'spawned', pid}), expect: 'starting', spawn: true},
	{event: pid => ({type: 'exited', pid, code: 1, signal: null}), expect: 'backoff'},
	{event: () => ({type: 'timer'}), expect: 'queued', timer: true},
];

type Cycle = 'lifecycle' | 'crash loop';

type Task = {spec: TaskSpec; record: TaskRecord; now: number; pid: number; step: number};

function makeTasks(machine: Machine, count: number, cycle: Cycle): Task[] {
	return Array.from({length: count}, (_, index) => {
		const id = `p${index}`;
		// tm's program defaults (starttime 1 s, autorestart unexpected, backoff 1 s × 2 up to 60 s ± 20%).
		const spec = makeSpec({
			...programDefaults,
			id,
			name: id,
			program: id,
			cmd: 'sleep 100000',
			argv: ['sleep', '100000'],
			startretries: cycle === 'crash loop' ? Number.MAX_SAFE_INTEGER : programDefaults.startretries,
		});
		let record = machine.initialRecord(0);
		if (cycle === 'crash loop') {
			// Start from queued, wanted up: the loop then never leaves admit → … → queued.
			record = machine.transition(record, {type: 'start'}, spec, 0).record;
		}

		return {spec, record, now: 1, pid: 1000 + index, step: 0};
	});
}

/** Feeds one event to a task: the time moves on by 1 ms, or to the state's deadline for a timer. */
function advance(machine: Machine, task: Task, steps: Step[]): StateKind {
	const step = steps[task.step]!;
	task.step = (task.step + 1) % steps.length;
	if (step.spawn) {
		// Each spawn gets a new pid, as a real one would.
		task.pid += 1;
	}

	task.now = step.timer ? Math.max(task.now + 1, machine.deadlineOf(task.record.state) ?? task.now + 1) : task.now + 1;
	task.record = machine.transition(task.record, step.event(task.pid), task.spec, task.now, Math.random()).record;
	return task.record.state.kind;
}

/** Two full cycles with every state checked, so the timed loop runs the intended paths. */
function check(machine: Machine, tasks: Task[], steps: Step[], cycle: Cycle): void {
	for (let round = 0; round < 2 * steps.length; round++) {
		for (const task of tasks) {
			const expected = steps[task.step]!.expect;
			const got = advance(machine, task, steps);
			if (got !== expected) {
				throw new Error(`${cycle}: step ${round % steps.length} led to ${got}, expected ${expected}`);
			}
		}
	}
}

type Row = {transitions: number; seconds: number; perSecond: number};

function run(machine: Machine, cycle: Cycle, count: number): Row {
	const steps = cycle === 'lifecycle' ? lifecycle : crashLoop;
	const tasks = makeTasks(machine, count, cycle);
	check(machine, tasks, steps, cycle);
	// At least 1,000 calls between clock reads.
	const rounds = Math.max(1, Math.ceil(1000 / count));
	let transitions = 0;
	const start = performance.now();
	const deadline = start + seconds * 1000;
	let now = start;
	while (now < deadline) {
		for (let r = 0; r < rounds; r++) {
			for (const task of tasks) {
				advance(machine, task, steps);
			}
		}

		transitions += rounds * count;
		now = performance.now();
	}

	const elapsed = (now - start) / 1000;
	return {transitions, seconds: elapsed, perSecond: transitions / elapsed};
}

/** src/core/machine.ts bundled with the options of scripts/build.mjs that change the code (minify, no keepNames), as ESM. */
async function bundled(dir: string): Promise<Machine> {
	const outfile = path.join(dir, 'machine.mjs');
	await esbuild.build({
		entryPoints: [path.resolve(import.meta.dirname, '../src/core/machine.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		target: `node${process.versions.node.split('.')[0]}`,
		format: 'esm',
		minify: true,
		logLevel: 'silent',
	});
	return (await import(pathToFileURL(outfile).href)) as Machine;
}

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};

const dir = mkdtempSync(path.join(tmpdir(), 'tm-bench-machine-'));
try {
	const builds: Array<[string, Machine]> = [
		['tsx', source],
		['bundled', await bundled(dir)],
	];
	say(`transition() throughput, ${seconds} s per case, node ${process.version}`);
	say('build     cycle        tasks     transitions   seconds   transitions/s   ns/transition');
	for (const cycle of ['lifecycle', 'crash loop'] as const) {
		for (const count of sizes) {
			for (const [name, machine] of builds) {
				const row = run(machine, cycle, count);
				say(
					[
						name.padEnd(9),
						cycle.padEnd(12),
						String(count).padStart(5),
						String(row.transitions).padStart(15),
						row.seconds.toFixed(2).padStart(9),
						Math.round(row.perSecond).toLocaleString('en-US').padStart(15),
						(1e9 / row.perSecond).toFixed(0).padStart(15),
					].join(' '),
				);
			}
		}
	}
} finally {
	rmSync(dir, {recursive: true, force: true});
}
