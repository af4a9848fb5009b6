/**
 * `subscribe` against a real daemon whose tasks change state as fast as they can: a snapshot with
 * `lastSeq`, then every later event exactly once and in order, checked against the events the
 * daemon recorded in its store. And a subscriber that does not read: a bounded queue, a
 * `dropped` notice that says exactly how many events it missed, and a daemon whose memory stays
 * bounded.
 */
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../src/core/ipc/client.js';
import type {EventDoc, StatusDoc} from '../../src/core/ipc/methods.js';
import {databasePath} from '../../src/core/paths.js';
import {openReadonlyStore} from '../../src/store/readonly.js';
import {tempDir} from '../helpers/harness.js';
import {RawClient} from '../helpers/raw-client.js';
import {killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';

/** Two programs that exit at once and are restarted at once (no backoff), and two that sleep. */
const churnConfig = [
	'programs:',
	'  flap:',
	'    cmd: "true"',
	'    numprocs: 2',
	'    starttime: 0',
	'    autorestart: true',
	'    backoff: {initial: 0}',
	'  web:',
	'    cmd: sleep 1000',
	'    numprocs: 2',
	'    starttime: 0',
	'    stoptime: 1',
	'',
].join('\n');

type Daemon = {dir: string; home: string; socket: string; proc: TmProcess; taskPids: Set<number>};
const daemons: Daemon[] = [];

async function startDaemon(config: string): Promise<Daemon> {
	const dir = tempDir('tm-subscribe-');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	const daemon: Daemon = {dir, home: path.join(dir, 'home'), socket: path.join(dir, 'home', 'tm.sock'), proc: runTm(['up', '--foreground'], {cwd: dir}), taskPids: new Set()};
	daemons.push(daemon);
	await waitFor(
		async () => {
			try {
				const client = await RpcClient.connect(daemon.socket);
				await client.close();
				return true;
			} catch {
				return false;
			}
		},
		up => up,
		{what: 'the daemon to answer', timeout: 30_000, interval: 50},
	);
	return daemon;
}

async function status(daemon: Daemon): Promise<StatusDoc> {
	const client = await RpcClient.connect(daemon.socket);
	try {
		const doc = await client.call('status', {});
		for (const task of doc.tasks) {
			if (task.pid !== null) {
				daemon.taskPids.add(task.pid);
			}
		}

		return doc;
	} finally {
		await client.close();
	}
}

after(async () => {
	for (const daemon of daemons) {
		try {
			const client = await RpcClient.connect(daemon.socket, {timeoutMs: 2000});
			await client.call('shutdown', {});
			await waitFor(() => alive(daemon.proc.pid), running => !running, {what: 'the daemon to exit', timeout: 15_000});
		} catch {
			// Already gone, or stuck: killed below.
		}

		for (const pid of daemon.taskPids) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	}

	killAllTm();
});

type Message = {id?: unknown; method?: string; result?: unknown; params?: unknown};
const events = (raw: RawClient): EventDoc[] => (raw.messages as Message[]).filter(m => m.method === 'event').map(m => m.params as EventDoc);
const seqs = (list: EventDoc[]): number[] => list.map(e => e.seq);
const range = (from: number, to: number): number[] => Array.from({length: Math.max(0, to - from + 1)}, (_, i) => from + i);

/** Subscribes on a raw connection; the answer must come before any event. */
async function subscribe(socket: string, read = true): Promise<{raw: RawClient; lastSeq: () => number}> {
	const raw = await RawClient.open(socket, {read});
	raw.send('{"jsonrpc":"2.0","id":"sub","method":"subscribe"}\n');
	return {
		raw,
		lastSeq() {
			const first = raw.messages[0] as Message & {result: StatusDoc & {lastSeq: number}};
			assert.equal(first.id, 'sub', 'the snapshot is the first message, before any event');
			return first.result.lastSeq;
		},
	};
}

/** The daemon's own lastSeq now: a snapshot on a fresh connection. */
async function currentSeq(socket: string): Promise<number> {
	const client = await RpcClient.connect(socket);
	try {
		return (await client.call('subscribe', {})).lastSeq;
	} finally {
		await client.close();
	}
}

function rss(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return Number(match?.[1] ?? Number.NaN) * 1024;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe('subscribe on a real daemon', () => {
	it('delivers every event after the snapshot exactly once and in order, as the store recorded them', async t => {
		const daemon = await startDaemon(churnConfig);
		await waitFor(() => status(daemon), doc => doc.tasks.filter(task => task.program === 'flap').every(task => task.restarts >= 20), {
			what: 'flap:0 and flap:1 restarting',
			timeout: 30_000,
		});

		// Subscribers arrive one after another while everything churns.
		const subscribers: Array<{raw: RawClient; lastSeq: () => number}> = [];
		const arrivals = (async () => {
			for (let i = 0; i < 6; i++) {
				subscribers.push(await subscribe(daemon.socket));
				const seen = await currentSeq(daemon.socket);
				await waitFor(() => currentSeq(daemon.socket), seq => seq >= seen + 10, {what: 'more events before the next subscriber'});
			}
		})();

		// Meanwhile, people start, stop and restart tasks, on several connections at once. Each
		// connection keeps to its own tasks: a waiting stop that another client undoes meanwhile
		// returned only once it did (see the test below).
		const controllers = await Promise.all(Array.from({length: 4}, () => RpcClient.connect(daemon.socket)));
		const plans: Array<Array<['start' | 'stop' | 'restart', string[], boolean]>> = [
			[['restart', ['web:0'], true], ['stop', ['web:0'], true], ['start', ['web:0'], true]],
			[['stop', ['web:1'], false], ['start', ['web:1'], true], ['restart', ['web:1'], true]],
			[['stop', ['flap:0'], true], ['start', ['flap:0'], false], ['restart', ['flap:0'], false]],
			[['restart', ['flap:1'], false], ['stop', ['flap:1'], false], ['start', ['flap:1'], false]],
		];
		let calls = 0;
		await Promise.all(
			controllers.map(async (client, c) => {
				for (let round = 0; round < 8; round++) {
					for (const [method, names, wait] of plans[c]!) {
						const answer = await client.call(method, {names, wait});
						assert.ok(answer.results.length > 0);
						calls++;
					}
				}
			}),
		);
		await arrivals;

		// Everything stops; then nothing changes any more.
		const stopped = await controllers[0]!.call('stop', {names: ['all']});
		assert.ok(stopped.results.every(r => r.ok && r.state === 'stopped'), JSON.stringify(stopped));
		await Promise.all(controllers.map(client => client.close()));
		const last = await currentSeq(daemon.socket);
		for (const {raw} of subscribers) {
			await waitFor(() => events(raw).at(-1)?.seq ?? 0, seq => seq >= last, {what: `events up to seq ${last}`, timeout: 30_000});
		}

		const first = subscribers[0]!;
		const firstLast = first.lastSeq();
		for (const {raw, lastSeq} of subscribers) {
			const since = lastSeq();
			assert.deepEqual(seqs(events(raw)), range(since + 1, last), `a subscriber from seq ${since}: contiguous, no duplicates, in order`);
			assert.ok(!(raw.messages as Message[]).some(m => m.method === 'dropped'), 'a reading subscriber misses nothing');
			raw.socket.destroy();
		}

		t.diagnostic(`${last - firstLast} events to the first subscriber (snapshot at seq ${firstLast}), ${calls} start/stop/restart calls meanwhile`);
		assert.ok(last - firstLast >= 200, `enough churn to mean something: ${last - firstLast} events`);
		const received = events(first.raw);

		// The same events, in the same order, are what the daemon recorded.
		const down = await RpcClient.connect(daemon.socket);
		await down.call('shutdown', {});
		await waitFor(() => alive(daemon.proc.pid), running => !running, {what: 'the daemon to exit', timeout: 15_000});
		const store = openReadonlyStore(databasePath(daemon.home));
		let recorded: Array<Omit<EventDoc, 'task'>>;
		try {
			const rows = store
				.tasks()
				.flatMap(task => store.history(task.id, 1_000_000)?.events ?? [])
				.filter(row => row.type === 'state')
				.sort((a, b) => a.id - b.id);
			// A fresh home: the n-th state event ever recorded is the daemon's event number n.
			recorded = rows.map((row, i) => {
				const data = row.data as Omit<EventDoc, 'seq' | 'at' | 'taskId' | 'type'>;
				return {
					seq: i + 1,
					at: new Date(row.at).toISOString(),
					taskId: row.taskId ?? '',
					type: row.type,
					from: data.from,
					to: data.to,
					reason: data.reason,
					pid: data.pid,
					restarts: data.restarts,
					attempt: data.attempt,
					exit: data.exit,
					cause: data.cause,
				};
			});
		} finally {
			store.close();
		}

		assert.ok(recorded.length >= last, `${recorded.length} events recorded, ${last} published`);
		// The store keeps the event; the task document it carried is rebuilt from the task, not stored.
		assert.deepEqual(received.map(({task: _task, ...event}) => event), recorded.slice(firstLast, last));
	});

	it('gives a subscriber that does not read a bounded queue and a dropped notice, with the daemon\'s memory bounded', async t => {
		const daemon = await startDaemon(churnConfig);
		await waitFor(() => status(daemon), doc => doc.tasks.filter(task => task.program === 'flap').every(task => task.restarts >= 20), {
			what: 'flap:0 and flap:1 restarting',
			timeout: 30_000,
		});
		const pid = daemon.proc.pid;
		// A reader alongside, to know how far the daemon got. First a warm-up under the same
		// churn, so the heap has grown to its working size before RSS is compared.
		const watcher = await subscribe(daemon.socket);
		const seen = (): number => events(watcher.raw).at(-1)?.seq ?? 0;
		let rssBefore = 0;
		const warm = await currentSeq(daemon.socket);
		await waitFor(
			() => {
				rssBefore = Math.max(rssBefore, rss(pid));
				return seen();
			},
			seq => seq >= warm + 3000,
			{what: '3,000 events of warm-up', timeout: 120_000, interval: 100},
		);
		const slow = await subscribe(daemon.socket, false);
		// The daemon queues at most 10,000 notifications for one client (after what the socket
		// buffers hold); past that it drops them. Wait well past that point.
		const start = seen();
		let peak = 0;
		await waitFor(
			() => {
				peak = Math.max(peak, rss(pid));
				return seen();
			},
			seq => seq >= start + 12_500,
			{what: '12,500 more events', timeout: 240_000, interval: 100},
		);
		t.diagnostic(`daemon RSS at most ${mib(rssBefore)} under churn before the slow subscriber, at most ${mib(peak)} while it did not read (${mib(peak - rssBefore)})`);
		// 10,000 queued events of ~800 bytes (each carries its task's whole document) are ~8 MB of
		// strings; measured growth is 6–54 MiB. The bound is generous because V8 grows its heap as
		// it likes under this event rate (line rings now grow as lines come, during the churn too);
		// what it rules out is a queue that keeps every event (it would not stop at 10,000, see
		// below: 12,500 events would be ~10 MB more, and growth without end past that).
		assert.ok(peak - rssBefore < 64 * 1024 * 1024, `daemon RSS grew by ${mib(peak - rssBefore)}`);

		// Now it reads: what was queued, then how many it missed, then events again.
		slow.raw.read();
		await waitFor(() => slow.raw.messages.length, n => n > 0, {what: 'the snapshot'});
		const since = slow.lastSeq();
		const notice = await waitFor(
			() => (slow.raw.messages as Message[]).findIndex(m => m.method === 'dropped'),
			index => index >= 0,
			{what: 'the dropped notice', timeout: 60_000},
		);
		const dropped = ((slow.raw.messages as Message[])[notice]!.params as {count: number}).count;
		await waitFor(() => (slow.raw.messages as Message[]).slice(notice).filter(m => m.method === 'event').length, n => n >= 5, {
			what: 'events after the notice',
			timeout: 30_000,
		});
		const messages = slow.raw.messages as Message[];
		const before = messages.slice(0, notice).filter(m => m.method === 'event').map(m => (m.params as EventDoc).seq);
		const afterNotice = messages.slice(notice + 1).filter(m => m.method === 'event').map(m => (m.params as EventDoc).seq);
		t.diagnostic(`the slow subscriber got ${before.length} events, then dropped: ${dropped}, then events from seq ${afterNotice[0]}`);
		assert.ok(before.length >= 10_000 && before.length <= 12_000, `the queue was bounded: ${before.length} events before the notice`);
		assert.deepEqual(before, range(since + 1, since + before.length), 'what was queued arrives in order, nothing missing');
		assert.ok(dropped > 0);
		assert.equal(afterNotice[0], since + before.length + dropped + 1, 'the notice counts exactly the events missed');
		assert.deepEqual(afterNotice, range(afterNotice[0]!, afterNotice[0]! + afterNotice.length - 1));
		assert.equal(messages.filter(m => m.method === 'dropped').length, 1);
		slow.raw.socket.destroy();
		watcher.raw.socket.destroy();
	});

	it('lets a waiting stop return when another client starts the task meanwhile', async () => {
		// web ignores SIGTERM, so it stays in stopping until SIGKILL at stoptime.
		const daemon = await startDaemon('programs:\n  web:\n    cmd: "trap \'\' TERM; sleep 1000"\n    shell: true\n    starttime: 0\n    stoptime: 5\n');
		await waitFor(() => status(daemon), doc => doc.tasks[0]?.state === 'running', {what: 'web running'});
		const [stopper, starter] = await Promise.all([RpcClient.connect(daemon.socket), RpcClient.connect(daemon.socket)]);
		try {
			const stopping = stopper.call('stop', {names: ['web'], wait: true}, {timeoutMs: 5000});
			await waitFor(() => status(daemon), doc => doc.tasks[0]?.state === 'stopping', {what: 'web stopping'});
			await starter.call('start', {names: ['web'], wait: false});
			// The stop was overtaken: it must still answer (with the state the task is in).
			const answer = await stopping;
			assert.equal(answer.results[0]?.name, 'web');
		} finally {
			await Promise.all([stopper.close(), starter.close()]);
		}
	});

	it('sends each event once to a client that subscribes again on the same connection (as it does after dropped)', async () => {
		const daemon = await startDaemon('programs:\n  idle:\n    cmd: sleep 1000\n    autostart: false\n    starttime: 0\n');
		const raw = await RawClient.open(daemon.socket);
		raw.send('{"jsonrpc":"2.0","id":1,"method":"subscribe"}\n{"jsonrpc":"2.0","id":2,"method":"subscribe"}\n');
		const second = (await raw.answer(2)) as {result: {lastSeq: number}};
		const control = await RpcClient.connect(daemon.socket);
		await control.call('start', {names: ['idle']});
		await control.call('stop', {names: ['idle']});
		await control.close();
		const last = await currentSeq(daemon.socket);
		await waitFor(() => events(raw).at(-1)?.seq ?? 0, seq => seq >= last, {what: `events up to seq ${last}`});
		raw.socket.destroy();
		assert.deepEqual(seqs(events(raw)), range(second.result.lastSeq + 1, last));
	});
});
