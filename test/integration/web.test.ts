/**
 * The web view of a real daemon with real tasks: /api/status, /metrics, /events (SSE with
 * Last-Event-ID), the log views, the token, and the refusal of an unguarded public address.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {loadConfigText} from '../../src/core/config/index.js';
import {startDaemon} from '../../src/core/daemon/index.js';
import type {EventDoc, LogLineDoc, StatusDoc, TasksUpdate} from '../../src/core/ipc/methods.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {makeSpec} from '../helpers/spec.js';
import {waitFor} from '../helpers/wait.js';
import {parsePrometheusText, promtoolCheck} from '../helpers/prom-text.js';
import {maxStreams} from '../../src/core/web/streams.js';
import {SseClient} from '../helpers/sse-client.js';
import {tickerCmd, webDaemon, type WebDaemon} from '../helpers/web-daemon.js';
import {systemClock} from '../../src/core/clock.js';

const config = `taskmaster:
  logfile: ./tmd.log
programs:
  ticker:
    cmd: ${tickerCmd}
    starttime: 0
  idle:
    cmd: sleep 1000
    starttime: 0
    stoptime: 2
  off:
    cmd: sleep 1000
    autostart: false
`;

describe('web view', () => {
	let web: WebDaemon;
	const streams: SseClient[] = [];
	const open = async (pathname: string, headers: Record<string, string> = {}): Promise<SseClient> => {
		const client = await SseClient.open(`${web.url}${pathname}`, headers);
		streams.push(client);
		return client;
	};

	/** How far the daemon's clock is held back (the metrics test needs an old heartbeat). */
	let lag = 0;
	before(async () => {
		web = await webDaemon(config, {socket: true, clock: {now: () => systemClock.now() - lag, at: (at, callback) => systemClock.at(at + lag, callback)}});
		await web.waitState('ticker', 'running');
		await web.waitState('idle', 'running');
	});

	after(async () => {
		for (const stream of streams) {
			stream.close();
		}

		await web.cleanup();
	});

	const restartIdle = async (): Promise<void> => {
		const before = web.daemon.engine.get('idle').record.restarts;
		web.daemon.engine.get('idle').dispatch({type: 'restart'});
		await waitFor(() => web.daemon.engine.get('idle').record, r => r.state.kind === 'running' && r.restarts > before, {what: 'idle restarted'});
	};

	it('listens on the configured address and serves /api/status, the same document as tm status --json', async () => {
		assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		const response = await fetch(`${web.url}/api/status`);
		assert.equal(response.status, 200);
		assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
		const doc = (await response.json()) as StatusDoc;
		const cli = await tm(['status', '--json', '--home', web.home], {cwd: web.dir, env: {HOME: web.dir}});
		assert.equal(cli.code, 0, cli.err);
		assert.deepEqual(doc, JSON.parse(cli.out) as StatusDoc);
		assert.deepEqual(doc.tasks.map(t => [t.id, t.state]), [['ticker', 'running'], ['idle', 'running'], ['off', 'stopped']]);
	});

	it('answers 404 for unknown paths and tasks, and 405 for anything but GET', async () => {
		assert.equal((await fetch(`${web.url}/nope`)).status, 404);
		assert.equal((await fetch(`${web.url}/logs/nope`)).status, 404);
		const post = await fetch(`${web.url}/api/status`, {method: 'POST', body: '{}'});
		assert.equal(post.status, 405);
		assert.equal(post.headers.get('allow'), 'GET, HEAD');
	});

	it('serves /metrics in the Prometheus text format, with per-task series only for programs', async t => {
		// Jobs get unique ids: 30 of them must not make 30 label values.
		for (let i = 0; i < 30; i++) {
			const job = web.daemon.engine.add(makeSpec({id: `j-test${i}`, program: `j-test${i}`, name: `j-test${i}`, kind: 'job', autostart: false, starttimeMs: 0, cmd: 'true', argv: ['true'], shell: false}));
			job.dispatch({type: 'start'});
		}

		await waitFor(() => web.daemon.engine.list().filter(task => task.record.state.kind === 'completed').length, n => n === 30, {what: '30 jobs completed'});
		// A heartbeat 5 s ago: sent while the daemon's clock is held 5 s back.
		lag = 5000;
		web.daemon.engine.get('idle').receive(['WATCHDOG=1', 'PROGRESS=42']);
		lag = 0;
		const response = await fetch(`${web.url}/metrics`);
		assert.equal(response.status, 200);
		assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
		const text = await response.text();
		const families = parsePrometheusText(text);
		const check = promtoolCheck(text);
		if (check === null) {
			t.diagnostic('promtool not installed: checked with the built-in exposition parser only');
		} else {
			assert.equal(check, '', `promtool check metrics: ${check}`);
		}

		const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
			families.get(name)?.samples.find(s => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
		for (const [name, type] of [
			['tm_task_state', 'gauge'],
			['tm_task_restarts_total', 'counter'],
			['tm_task_cpu_seconds_total', 'counter'],
			['tm_task_memory_bytes', 'gauge'],
			['tm_task_heartbeat_age_seconds', 'gauge'],
			['tm_task_progress_ratio', 'gauge'],
			['tm_task_start_time_seconds', 'gauge'],
			['tm_tasks', 'gauge'],
			['tm_jobs_queued', 'gauge'],
			['tm_jobs_finished_total', 'counter'],
			['tm_events_total', 'counter'],
			['tm_daemon_info', 'gauge'],
			['tm_daemon_start_time_seconds', 'gauge'],
			['tm_daemon_cpu_seconds_total', 'counter'],
			['tm_daemon_resident_memory_bytes', 'gauge'],
		] as const) {
			assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
		}

		assert.equal(value('tm_task_state', {task: 'ticker', state: 'running'}), 1);
		assert.equal(value('tm_task_state', {task: 'ticker', state: 'stopped'}), 0);
		assert.equal(value('tm_task_state', {task: 'off', state: 'stopped'}), 1);
		assert.equal(value('tm_task_restarts_total', {task: 'ticker', program: 'ticker'}), 0);
		assert.equal(value('tm_task_progress_ratio', {task: 'idle'}), 0.42);
		const age = value('tm_task_heartbeat_age_seconds', {task: 'idle'}) ?? 0;
		assert.ok(age >= 5 && age < 60, `heartbeat age ${age}`);
		assert.equal(value('tm_task_heartbeat_age_seconds', {task: 'ticker'}), undefined, 'no heartbeat yet: no sample');
		assert.equal(families.get('tm_task_memory_bytes')?.samples.length, 0, 'not sampled yet: no samples rather than zeros');
		assert.equal(value('tm_tasks', {kind: 'job', state: 'completed'}), 30);
		assert.equal(value('tm_tasks', {kind: 'service', state: 'running'}), 2);
		assert.equal(value('tm_jobs_finished_total', {state: 'completed'}), 30);
		assert.equal(value('tm_jobs_queued'), 0);
		assert.equal(value('tm_daemon_max_running_tasks'), Number.POSITIVE_INFINITY);
		const jobSeries = [...families.values()].flatMap(f => f.samples).filter(s => Object.values(s.labels).some(v => v.startsWith('j-test')));
		assert.deepEqual(jobSeries, [], 'no series is labelled with a job id');
		const perTask = [...families.values()].flatMap(f => f.samples).filter(s => s.labels['task'] !== undefined);
		assert.ok(perTask.length <= 3 * 20, `per-task series are bounded by the programs (${perTask.length})`);
	});

	it('/events delivers every event in order, and resumes after a reconnect with Last-Event-ID', async () => {
		const first = await open('/events', {'Last-Event-ID': '0'});
		assert.equal(first.status, 200);
		assert.match(String(first.headers['content-type']), /^text\/event-stream/);
		await restartIdle();
		const seen = await first.waitFrames(f => f.length >= web.events.length, 'the replay and the restart');
		assert.equal(first.retry, 2000);
		const docs = first.events<EventDoc>();
		assert.deepEqual(docs.map(d => d.seq), web.events.map(e => e.seq), 'every event, in order');
		assert.deepEqual(docs.map(d => d.seq), docs.map((_d, i) => i + 1), 'numbered 1, 2, 3 … without gaps');
		assert.deepEqual(seen.map(f => f.id), docs.map(d => String(d.seq)), 'the id of each frame is its seq');
		assert.deepEqual(docs.at(-1), {...web.events.at(-1), at: new Date(web.events.at(-1)?.at ?? 0).toISOString()});

		// Disconnect, miss two restarts, reconnect with the last id seen.
		const lastSeen = docs.at(-1)?.seq ?? 0;
		first.close();
		await waitFor(() => web.daemon.web?.streams, n => n === 0, {what: 'the server to notice the disconnect'});
		await restartIdle();
		await restartIdle();
		const missed = web.events.filter(e => e.seq > lastSeen).map(e => e.seq);
		assert.ok(missed.length >= 6, `missed ${missed.length} events`);
		const second = await open('/events', {'Last-Event-ID': String(lastSeen)});
		await second.waitFrames(f => f.length >= missed.length, 'the missed events');
		assert.deepEqual(second.events().map(d => d.seq), missed, 'exactly what was missed, in order, nothing twice');
		await restartIdle();
		await second.waitFrames(f => f.length >= web.events.length - lastSeen, 'live events after the replay');
		assert.deepEqual(second.events().map(d => d.seq), web.events.filter(e => e.seq > lastSeen).map(e => e.seq));

		// An id this daemon never gave (the daemon restarted): a reset saying so, then live events.
		const stale = await open('/events?lastEventId=999999');
		await stale.waitFrames(f => f.some(x => x.event === 'reset'), 'a reset');
		assert.match((stale.named<{why: string}>('reset')[0]?.why) ?? '', /event 999999 is unknown here/);
	});

	it('/events?snapshot=1&tasks=1 starts with the status document and its seq, then task rows as they change', async () => {
		const page = await open('/events?snapshot=1&tasks=1');
		const [frame] = await page.waitFrames(f => f.length >= 1, 'the snapshot');
		assert.equal(frame?.event, 'snapshot');
		const snapshot = JSON.parse(frame?.data ?? '{}') as StatusDoc & {lastSeq: number; now: string};
		assert.equal(frame?.id, String(snapshot.lastSeq));
		assert.equal(snapshot.lastSeq, web.daemon.engine.lastSeq);
		assert.deepEqual(snapshot.tasks.map(t => t.id).slice(0, 3), ['ticker', 'idle', 'off']);
		web.daemon.engine.get('idle').receive(['PROGRESS=77']);
		const rows = await page.waitFrames(f => f.some(x => x.event === 'tasks' && x.data.includes('"progress":77')), 'the changed row');
		const changed = rows.filter(x => x.event === 'tasks').map(x => JSON.parse(x.data) as {tasks: Array<{id: string}>});
		assert.ok(changed.every(c => c.tasks.every(task => task.id === 'idle' || c === changed[0])), 'only changed rows after the first tick');
	});

	it('/events?snapshot=1&tasks=1 carries each transition with the task\'s whole document, and the documents that changed without one', async () => {
		const page = await open('/events?snapshot=1&tasks=1');
		const [first] = await page.waitFrames(f => f.length >= 1, 'the snapshot');
		const snapshot = JSON.parse(first?.data ?? '{}') as StatusDoc & {lastSeq: number};
		const idleBefore = snapshot.tasks.find(t => t.id === 'idle');
		await restartIdle();
		const frames = await page.waitFrames(f => f.some(x => x.event === 'message' && (JSON.parse(x.data) as EventDoc).to === 'running'), 'the restart');
		const events = page.events<EventDoc>();
		assert.ok(events.every(e => e.seq > snapshot.lastSeq && e.taskId === 'idle'), 'only what came after the snapshot');
		for (const event of events) {
			const record = web.events.find(e => e.seq === event.seq);
			assert.deepEqual(event.task, record?.task, `event ${event.seq} carries the document the engine made`);
			assert.deepEqual([event.task.id, event.task.state, event.task.pid, event.task.restarts, event.task.cause], [event.taskId, event.to, event.pid, event.restarts, event.cause]);
		}

		const running = events.at(-1)?.task;
		assert.equal(running?.state, 'running');
		assert.equal(running?.restarts, (idleBefore?.restarts ?? 0) + 1);
		assert.ok(frames.filter(f => f.event === 'message').every(f => f.id === String((JSON.parse(f.data) as EventDoc).seq)));

		// Without a transition: progress changes, and the next tick carries idle's new document.
		web.daemon.engine.get('idle').receive(['PROGRESS=55']);
		await page.waitFrames(f => f.some(x => x.event === 'tasks' && x.data.includes('"progress":55')), 'the changed document');
		const update = page.named<TasksUpdate>('tasks').find(u => u.tasks.some(t => t.id === 'idle' && t.progress === 55));
		assert.ok(update, 'idle\'s new document');
		assert.ok(!update.tasks.some(t => t.id === 'off'), 'not a stopped task whose document did not change');
		assert.deepEqual(update.removed, []);
		assert.match(update.at, /^\d{4}-\d\d-\d\dT/);
		const status = (await (await fetch(`${web.url}/api/status`)).json()) as StatusDoc;
		assert.equal(status.tasks.find(t => t.id === 'idle')?.progress, 55, 'the same document /api/status gives');
	});

	it('serves the page, its script and its stylesheet: the files of src/core/web/page with their types', async () => {
		const dir = path.resolve(import.meta.dirname, '../../src/core/web/page');
		for (const [pathname, file, type] of [
			['/', 'index.html', 'text/html; charset=utf-8'],
			['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
			['/app.css', 'app.css', 'text/css; charset=utf-8'],
		] as const) {
			const response = await fetch(`${web.url}${pathname}`);
			assert.equal(response.status, 200, pathname);
			assert.equal(response.headers.get('content-type'), type, pathname);
			assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'; style-src 'self'/, pathname);
			assert.equal(await response.text(), readFileSync(path.join(dir, file), 'utf8'), `${pathname} is ${file}`);
		}

		const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
		assert.match(html, /<script src="\/app\.js"><\/script>/);
		assert.match(html, /<link rel="stylesheet" href="\/app\.css">/);
		assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, 'nothing inline: the CSP allows only the files');
	});

	it('shows a task log as text (and follows it), and streams it as SSE resumable by line seq', async () => {
		const text = await (await fetch(`${web.url}/logs/ticker?lines=3`)).text();
		assert.match(text, /^tick \d+\ntick \d+\ntick \d+\n$/);
		const html = await fetch(`${web.url}/logs/ticker`, {headers: {Accept: 'text/html'}});
		assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
		assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
		assert.match(await html.text(), /<script src="\/app\.js"><\/script>/);

		const json = (await (await fetch(`${web.url}/api/logs/ticker?lines=2`)).json()) as {task: string; lines: LogLineDoc[]};
		assert.equal(json.task, 'ticker');
		assert.equal(json.lines.length, 2);

		const stream = await open('/api/logs/ticker/stream?lines=2');
		const frames = await stream.waitFrames(f => f.length >= 5, 'tail and new lines');
		const lines = frames.map(f => JSON.parse(f.data) as LogLineDoc);
		assert.deepEqual(lines.map(l => l.seq), lines.map((_l, i) => (lines[0]?.seq ?? 0) + i), 'consecutive lines');
		assert.ok(lines.every(l => /^tick \d+$/.test(l.text) && l.stream === 'stdout'));
		const lastId = frames.at(-1)?.id ?? '';
		stream.close();
		const resumed = await open('/api/logs/ticker/stream', {'Last-Event-ID': lastId});
		const more = await resumed.waitFrames(f => f.length >= 3, 'lines after the last one seen');
		assert.equal(JSON.parse(more[0]?.data ?? '{}').seq, Number(lastId) + 1, 'resumes right after the last line seen');

		// `curl -N /logs/ticker?follow=1`: the tail, then lines as they come.
		const controller = new AbortController();
		const follow = await fetch(`${web.url}/logs/ticker?lines=1&follow=1`, {signal: controller.signal});
		const reader = follow.body!.getReader();
		let received = '';
		await waitFor(async () => {
			const {value} = await reader.read();
			received += Buffer.from(value ?? new Uint8Array()).toString();
			return received.split('\n').length;
		}, n => n > 4, {what: 'followed lines'});
		controller.abort();
		assert.match(received, /^(tick \d+\n)+/);
	});

	it('shows the daemon log at /logs: the JSON lines of logfile, as text and as JSON', async () => {
		const text = await (await fetch(`${web.url}/logs?lines=5`)).text();
		const lines = text.trim().split('\n').map(line => JSON.parse(line) as {time: string});
		assert.equal(lines.length, 5);
		const doc = (await (await fetch(`${web.url}/api/daemon-log?lines=1000`)).json()) as {file: string; lines: Array<{message?: string; task?: string}>};
		assert.equal(doc.file, path.join(web.dir, 'tmd.log'));
		// The open-file limit is said before the start line (descriptors are set up first).
		const messages = doc.lines.map(line => line.message);
		const started = messages.indexOf('daemon started');
		assert.ok(started >= 0 && started <= 1, `the start line near the top: ${messages.slice(0, 3).join(' | ')}`);
		assert.equal(messages[started + 1], 'web view listening');
		assert.ok(doc.lines.some(l => l.task === 'idle'));
	});
});

describe('web view access', () => {
	it('answers a program with several instances by listing them (300), in text and JSON', async () => {
		const web = await webDaemon('programs:\n  pair:\n    cmd: sleep 1000\n    numprocs: 2\n    autostart: false\n');
		try {
			const text = await fetch(`${web.url}/logs/pair`);
			assert.equal(text.status, 300);
			assert.equal(await text.text(), 'pair has 2 instances: /logs/pair%3A0, /logs/pair%3A1\n');
			const json = await fetch(`${web.url}/api/logs/pair`);
			assert.equal(json.status, 300);
			assert.deepEqual(((await json.json()) as {error: {code: string; instances: string[]}}).error, {code: 'E_AMBIGUOUS', message: 'pair has 2 instances: /logs/pair%3A0, /logs/pair%3A1', instances: ['pair:0', 'pair:1']});
			assert.equal((await fetch(`${web.url}/logs/pair:1`)).status, 200);
		} finally {
			await web.cleanup();
		}
	});

	it('with http_token: 401 without it; a bearer token, or ?token= once and then its cookie', async () => {
		const web = await webDaemon('taskmaster:\n  http_token: s3cret\nprograms:\n  a:\n    cmd: sleep 1000\n    autostart: false\n');
		try {
			const none = await fetch(`${web.url}/api/status`);
			assert.equal(none.status, 401);
			assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="tm"');
			assert.equal((await fetch(`${web.url}/metrics`, {headers: {Authorization: 'Bearer wrong'}})).status, 401);
			assert.equal((await fetch(`${web.url}/metrics`, {headers: {Authorization: 'Bearer s3cret'}})).status, 200);
			const events = await SseClient.open(`${web.url}/events`);
			assert.equal(events.status, 401);
			events.close();

			const link = await fetch(`${web.url}/logs/a?token=s3cret&lines=5`, {headers: {Accept: 'text/html'}, redirect: 'manual'});
			assert.equal(link.status, 303);
			assert.equal(link.headers.get('location'), '/logs/a?lines=5', 'the token leaves the address bar');
			const cookie = link.headers.get('set-cookie') ?? '';
			assert.match(cookie, /^tm_token=s3cret; HttpOnly; SameSite=Strict; Path=\//);
			const withCookie = await fetch(`${web.url}/api/status`, {headers: {Cookie: cookie.split(';')[0] ?? ''}});
			assert.equal(withCookie.status, 200);
		} finally {
			await web.cleanup();
		}
	});

	it('without a token (loopback), refuses a Host that is not this machine: no DNS rebinding', async () => {
		const web = await webDaemon('taskmaster:\nprograms: {}\n');
		try {
			const {request} = await import('node:http');
			const status = (host: string) =>
				new Promise<number>((resolve, reject) => {
					const req = request(`${web.url}/api/status`, {headers: {Host: host}}, res => {
						res.resume();
						resolve(res.statusCode ?? 0);
					});
					req.on('error', reject);
					req.end();
				});
			assert.equal(await status('evil.example.com'), 403);
			assert.equal(await status(`localhost:${web.daemon.web?.port}`), 200);
			assert.equal(await status(`127.0.0.1:${web.daemon.web?.port}`), 200);
		} finally {
			await web.cleanup();
		}
	});

	it('refuses a non-loopback address without http_token: tm validate, tm up, and the daemon itself', async () => {
		const dir = tempDir('tm-web-');
		const file = path.join(dir, 'tm.yaml');
		writeFileSync(file, 'taskmaster:\n  http: 0.0.0.0:4242\nprograms:\n  a:\n    cmd: sleep 1000\n');
		const message = /tm\.yaml:2:9 taskmaster\.http: binds 0\.0\.0\.0, which other machines can reach; set taskmaster\.http_token too, or bind 127\.0\.0\.1/;
		const validate = await tm(['validate', '-c', file], {cwd: dir, env: {HOME: dir}});
		assert.equal(validate.code, 2);
		assert.match(validate.out + validate.err, message);
		const up = await tm(['up', '--foreground', '-c', file, '--home', path.join(dir, 'home')], {cwd: dir, env: {HOME: dir}});
		assert.equal(up.code, 2);
		assert.match(up.err, message);
		assert.match(up.err, /nothing was started/);

		// A config built in code skips validation; the daemon refuses it all the same, socket released.
		const loaded = loadConfigText('programs: {}\n', file);
		assert.ok(loaded.ok);
		const config = {...loaded.value, daemon: {...loaded.value.daemon, http: ':0'}};
		const socketPath = path.join(dir, 'home', 'tm.sock');
		await assert.rejects(
			startDaemon({config, home: path.join(dir, 'home'), cwd: dir, env: {}, socketPath}),
			/taskmaster\.http: :0 is reachable from other machines; set taskmaster\.http_token too/,
		);
		assert.equal(existsSync(socketPath), false);
	});

	it('keeps at most maxStreams (256) streams open: the next one is told to retry later', async () => {
		const web = await webDaemon('taskmaster:\nprograms: {}\n');
		const clients: SseClient[] = [];
		try {
			for (let i = 0; i < maxStreams; i++) {
				clients.push(await SseClient.open(`${web.url}/events`));
			}

			assert.ok(clients.every(c => c.status === 200));
			const refused = await fetch(`${web.url}/events`);
			assert.equal(refused.status, 503);
			assert.equal(refused.headers.get('retry-after'), '5');
			assert.equal((await fetch(`${web.url}/api/status`)).status, 200, 'plain requests are still answered');
			clients.pop()?.close();
			await waitFor(() => web.daemon.web?.streams, n => n === maxStreams - 1, {what: 'a stream to close'});
			const again = await SseClient.open(`${web.url}/events`);
			clients.push(again);
			assert.equal(again.status, 200);
		} finally {
			for (const client of clients) {
				client.close();
			}

			await web.cleanup();
		}
	});

	it('refuses to start when the address is taken, saying which', async () => {
		const blocker = createServer();
		await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
		const port = (blocker.address() as {port: number}).port;
		const dir = tempDir('tm-web-');
		try {
			const loaded = loadConfigText(`taskmaster:\n  http: 127.0.0.1:${port}\nprograms: {}\n`, path.join(dir, 'tm.yaml'));
			assert.ok(loaded.ok);
			await assert.rejects(
				startDaemon({config: loaded.value, home: path.join(dir, 'home'), cwd: dir, env: {}, socketPath: null}),
				new RegExp(`cannot serve the web view on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`),
			);
		} finally {
			blocker.close();
		}
	});
});
