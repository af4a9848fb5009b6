/**
 * `tm events [NAME…] [-f] [-n N] [--cause C] [--since WHEN]`: state changes as lines, or JSON
 * lines with `--json` (seed 001's listeners). The last N come from tm.db (so it works with the
 * daemon down); `-f` then follows the daemon's feed (the client seam's snapshot-then-events),
 * every change once: the stored ones carry the daemon's `seq`, so those the feed brings are not
 * printed twice, and a gap (a reader too slow for the daemon) is filled from tm.db.
 */
import type {Command} from 'commander';
import type {SnapshotDoc} from '../core/client/seam.js';
import {TmError} from '../core/errors.js';
import type {EventDoc} from '../core/ipc/methods.js';
import {databasePath, resolveHome} from '../core/paths.js';
import {isGlob, nameMatcher} from '../core/task-names.js';
import {openReadonlyStore, type EventFilter, type ReadonlyStore} from '../store/readonly.js';
import {connect} from './connect.js';
import type {Deps, GlobalOptions} from './deps.js';
import {lineText, liveLine, parseCause, parseSince, storedLine, type EventLine} from './event-lines.js';
import {reportError} from './output.js';

export type EventsOptions = GlobalOptions & {follow?: boolean; lines?: string; cause?: string; since?: string};

/** Enough to fill any gap a dropped reader can have: the daemon drops a reader long before. */
const gapLimit = 100_000;

type Query = {names: string[]; filter: EventFilter; print: (line: EventLine) => void};

/** The task ids the names mean in tm.db (undefined: every task), and the names that mean none. */
function taskIds(store: ReadonlyStore, names: string[]): {ids: string[] | undefined; unknown: string[]} {
	if (names.length === 0 || names.includes('all')) {
		return {ids: undefined, unknown: []};
	}

	const rows = names.some(isGlob) ? store.tasks() : [];
	const ids = new Set<string>();
	const unknown: string[] = [];
	for (const name of names) {
		const found = isGlob(name) ? rows.filter(nameMatcher(name)).map(row => row.id) : store.tasksNamed(name);
		if (found.length === 0) {
			unknown.push(name);
		}

		found.forEach(id => ids.add(id));
	}

	return {ids: [...ids], unknown};
}

const noSuchTask = (name: string): TmError => new TmError('E_UNKNOWN_TASK', `no such task: ${name} (tm status lists them)`);

/** Stored changes, oldest first, that `keep` keeps; the newest `limit` of them. */
function stored(store: ReadonlyStore, filter: EventFilter, keep: (line: EventLine) => boolean = () => true): EventLine[] {
	return store
		.events({...filter, type: 'state'})
		.map(storedLine)
		.filter((line): line is EventLine => line !== null && keep(line))
		.reverse();
}

function withStore<T>(home: string, use: (store: ReadonlyStore) => T): T {
	const store = openReadonlyStore(databasePath(home));
	try {
		return use(store);
	} finally {
		store.close();
	}
}

/** Follows the feed: the backlog from tm.db once the first snapshot is in, then each change after it. */
async function follow(home: string, query: Query, options: EventsOptions, deps: Deps): Promise<number> {
	const {names, filter, print} = query;
	const means = names.map(name => nameMatcher(name));
	const wanted = (event: EventDoc): boolean =>
		(means.length === 0 || means.some(m => m({id: event.taskId, program: event.task.program}))) && (filter.cause === undefined || event.cause === filter.cause);
	let held: EventDoc[] | null = [];
	/** The daemon's start and the seq this reader is current to. */
	let daemon: {since: number; seq: number} | null = null;
	const take = (event: EventDoc): void => {
		daemon = daemon && {...daemon, seq: event.seq};
		if (wanted(event)) {
			print(liveLine(event));
		}
	};

	const fromThisDaemon = (line: EventLine): boolean => daemon !== null && Date.parse(line.at) >= daemon.since && line.seq !== null;
	const onSnapshot = (doc: SnapshotDoc): void => {
		const since = Date.parse(doc.daemon.startedAt);
		const first = daemon === null;
		const printed = daemon !== null && daemon.since === since ? daemon.seq : 0;
		daemon = {since, seq: doc.lastSeq};
		withStore(home, store => {
			const {ids, unknown} = taskIds(store, names);
			if (first && unknown.length > 0) {
				// A listener may wait for a job still to be submitted.
				deps.io.err(`tm: no task goes by ${unknown.join(', ')} yet; waiting for it\n`);
			}

			const keep = first
				? (line: EventLine) => !fromThisDaemon(line) || line.seq! <= doc.lastSeq
				: (line: EventLine) => fromThisDaemon(line) && line.seq! > printed && line.seq! <= doc.lastSeq;
			const lines = stored(store, first ? {...filter, taskIds: ids} : {...filter, since, taskIds: ids, limit: gapLimit}, keep);
			lines.forEach(print);
		});
	};

	const client = await connect(options, deps);
	try {
		const feed = await client.subscribe({
			snapshot: onSnapshot,
			// Those that come with the first snapshot wait until the backlog is out.
			event: event => (held === null ? take(event) : held.push(event)),
			tasks() {},
		});
		const waiting = held;
		held = null;
		waiting.forEach(take);
		const off = deps.onSignal(['SIGINT', 'SIGTERM'], () => void feed.close());
		await feed.ended;
		off();
		return 0;
	} finally {
		void client.close();
	}
}

export async function runEvents(names: string[], options: EventsOptions, deps: Deps): Promise<number> {
	try {
		const lines = Number(options.lines ?? 10);
		if (!Number.isInteger(lines) || lines < 0) {
			throw new TmError('E_USAGE', `-n takes a whole number ≥ 0, got "${options.lines}"`);
		}

		const filter: EventFilter = {
			limit: lines,
			...(options.since === undefined ? {} : {since: parseSince(options.since, Date.now())}),
			...(options.cause === undefined ? {} : {cause: parseCause(options.cause)}),
		};
		const print = (line: EventLine): void => deps.io.out(options.json ? `${JSON.stringify(line)}\n` : lineText(line));
		const home = resolveHome(options.home, deps.env);
		if (options.follow) {
			return await follow(home, {names, filter, print}, options, deps);
		}

		withStore(home, store => {
			const {ids, unknown} = taskIds(store, names);
			if (unknown.length > 0) {
				throw noSuchTask(unknown[0]!);
			}

			stored(store, {...filter, taskIds: ids}).forEach(print);
		});
		return 0;
	} catch (error) {
		return reportError(deps.io, options.json, error, names.length === 0 ? undefined : {names});
	}
}

export function registerEvents(program: Command, deps: Deps, done: (code: number) => void): void {
	program
		.command('events')
		.description('state changes of every task (or of NAME…), oldest first; -f follows them as they happen')
		.argument('[names...]', 'tasks, programs or globs (default: all)')
		.option('-f, --follow', 'then print each change as it happens, until Ctrl-C or the daemon goes away')
		.option('-n, --lines <n>', 'how many past changes first (from tm.db)', '10')
		.option('--cause <word>', 'only changes with this cause (watchdog, exit, requested…)')
		.option('--since <when>', 'only past changes since then: 1h, 30m, or a time (2026-11-23T10:00)')
		.action(async (names: string[], options: EventsOptions, command: Command) => {
			done(await runEvents(names, {...command.optsWithGlobals(), ...options}, deps));
		});
}
