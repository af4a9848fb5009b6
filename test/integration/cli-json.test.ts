/**
 * Every command's `--json` document (docs/cli-json.md) against a real daemon, checked with the
 * JSON Schemas of docs/schemas: the success documents on stdout, the error document on stderr
 * with its stable code, and the exit codes of SPEC §6.
 */
import assert from 'node:assert/strict';
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {Methods, ReloadResult, StatusDoc, TaskActionResults, TaskStatus} from '../../src/core/ipc/methods.js';
import {tm, type CliResult} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {assertSchema, parseDocument, schemaErrors, schemaFiles} from '../helpers/schema.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';
import {diskOk} from '../helpers/task-status.js';

const config = [
	'programs:',
	'  web:',
	'    cmd: sleep 1000',
	'    numprocs: 2',
	'    starttime: 0',
	'  talker:',
	'    cmd: "sh -c \'echo hello; echo oops >&2; while true; do echo tick; sleep 0.1; done\'"',
	'    starttime: 0',
	'  idle:',
	'    cmd: sleep 1000',
	'    autostart: false',
	'    starttime: 0',
	'',
].join('\n');

/** Pids to kill whatever happens: the daemon's group and every task's. */
const groups = new Set<number>();

after(() => {
	for (const pid of groups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}

	killAllTm();
});

/** A command that succeeded: exit 0, one document on stdout matching `schema`, nothing on stderr. */
function ok(result: CliResult, schema: string): unknown {
	assert.equal(result.code, 0, result.err);
	assert.equal(result.err, '', 'nothing on stderr');
	const doc = parseDocument(result.out);
	assertSchema(schema, doc);
	return doc;
}

/** A command that failed: this exit code and error code, the error document alone on stderr. */
function failed(result: CliResult, exit: number, code: string): {error: {code: string; message: string; names?: string[]; name?: string}} {
	assert.equal(result.code, exit, `exit code; stderr: ${result.err}`);
	assert.equal(result.out, '', 'nothing on stdout');
	assert.ok(result.err.endsWith('\n') && !result.err.slice(0, -1).includes('\n'), `one line on stderr: ${JSON.stringify(result.err)}`);
	const doc = parseDocument(result.err) as {error: {code: string; message: string}};
	assertSchema('error', doc);
	assert.equal(doc.error.code, code, doc.error.message);
	return doc;
}

describe('--json documents and exit codes against a real daemon', () => {
	it('every command prints its documented document, and every error its code and exit code', async () => {
		const dir = tempDir('tm-json-');
		const home = path.join(dir, 'home');
		const socket = path.join(home, 'tm.sock');
		writeFileSync(path.join(dir, 'tm.yaml'), config);
		const env = {HOME: dir, PATH: process.env['PATH'] ?? '/usr/bin:/bin'};
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env});

		// No daemon yet: exit 3 with E_DAEMON_NOT_RUNNING, from every command that needs one.
		for (const args of [['status'], ['start', 'web'], ['stop', 'all'], ['restart', 'web:0'], ['logs', 'web:0'], ['signal', 'HUP', 'web'], ['down']]) {
			const doc = failed(await cli(...args, '--json'), 3, 'E_DAEMON_NOT_RUNNING');
			assert.match(doc.error.message, /tm up/);
		}

		ok(await cli('version', '--json'), 'version');
		const valid = ok(await cli('validate', '--json'), 'validate') as {valid: boolean; programs: number; tasks: number};
		assert.deepEqual([valid.valid, valid.programs, valid.tasks], [true, 3, 4]);
		writeFileSync(path.join(dir, 'bad.yaml'), 'programs:\n  web:\n    cmd: sleep 1\n    stoptime: ten\n    autostrat: true\n');
		const invalid = await cli('validate', '-c', path.join(dir, 'bad.yaml'), '--json');
		assert.equal(invalid.code, 2);
		const issues = parseDocument(invalid.out) as {valid: boolean; issues: unknown[]};
		assertSchema('validate', issues);
		assert.deepEqual([issues.valid, issues.issues.length], [false, 2]);
		const missing = await cli('validate', '-c', path.join(dir, 'missing.yaml'), '--json');
		assert.equal(missing.code, 2);
		assert.match((parseDocument(missing.out) as {issues: Array<{message: string}>}).issues[0]?.message ?? '', /cannot read config/);
		const nowhere = tempDir('tm-json-empty-');
		failed(await tm(['validate', '--json'], {cwd: nowhere, env: {HOME: nowhere}}), 2, 'E_CONFIG_NOT_FOUND');

		// tm up in the background: the document once it answers, then again as already running.
		const up = ok(await cli('up', '--json'), 'up') as {pid: number; socket: string; alreadyRunning: boolean; config: string};
		groups.add(up.pid);
		assert.deepEqual([up.socket, up.alreadyRunning, up.config], [socket, false, path.join(dir, 'tm.yaml')]);
		assert.deepEqual(ok(await cli('up', '--json'), 'up'), {...up, alreadyRunning: true});
		assert.equal(statSync(socket).mode & 0o777, 0o600, 'the socket is 0600');
		assert.equal(statSync(path.dirname(socket)).mode & 0o777, 0o700, 'its folder is 0700');

		const status = await waitFor(
			async () => parseDocument((await cli('status', '--json')).out) as StatusDoc,
			doc => doc.tasks.filter(t => t.state === 'running').length === 3,
			{what: 'web:0, web:1 and talker running', timeout: 30_000},
		);
		for (const task of status.tasks) {
			if (task.pid !== null) {
				groups.add(task.pid);
			}
		}

		const full = ok(await cli('status', '--json'), 'status') as StatusDoc;
		assert.equal(full.daemon.pid, up.pid);
		assert.deepEqual(full.tasks.map(t => t.id), ['web:0', 'web:1', 'talker', 'idle']);
		const some = ok(await cli('status', 'web', '--json'), 'status') as StatusDoc;
		assert.deepEqual(some.tasks.map(t => t.id), ['web:0', 'web:1']);
		failed(await cli('status', 'nope', '--json'), 4, 'E_UNKNOWN_TASK');

		const started = ok(await cli('start', 'idle', '--json'), 'task-action') as TaskActionResults;
		assert.deepEqual(started.results, [{name: 'idle', ok: true, outcome: 'done', state: 'running'}]);
		const stopped = ok(await cli('stop', 'idle', '--json'), 'task-action') as TaskActionResults;
		assert.deepEqual(stopped.results, [{name: 'idle', ok: true, outcome: 'done', state: 'stopped'}]);
		const restarted = ok(await cli('restart', 'web:*', '--json'), 'task-action') as TaskActionResults;
		assert.deepEqual(restarted.results.map(r => [r.name, r.ok, r.state]), [['web:0', true, 'running'], ['web:1', true, 'running']]);
		for (const task of (parseDocument((await cli('status', '--json')).out) as StatusDoc).tasks) {
			if (task.pid !== null) {
				groups.add(task.pid);
			}
		}

		const unknown = failed(await cli('stop', 'web:0', 'nope', '--json'), 4, 'E_UNKNOWN_TASK');
		assert.deepEqual(unknown.error.names, ['web:0', 'nope']);

		ok(await cli('signal', 'CONT', 'talker', '--json'), 'task-action');
		// A result that is not ok: still the document on stdout, and exit 1.
		const partly = await cli('signal', 'CONT', 'idle', 'talker', '--json');
		assert.equal(partly.code, 1);
		const signalled = parseDocument(partly.out) as TaskActionResults;
		assertSchema('task-action', signalled);
		assert.deepEqual(signalled.results.map(r => [r.name, r.ok]), [['idle', false], ['talker', true]]);
		assert.match(signalled.results[0]?.error ?? '', /no running process/);
		failed(await cli('signal', 'NOPE', 'talker', '--json'), 2, 'E_USAGE');

		const logs = ok(await cli('logs', 'talker', '-n', '100', '--json'), 'logs') as {lines: Array<{stream: string; text: string}>};
		// Two pipes, read as they come: only the order within a stream is known.
		assert.deepEqual(logs.lines.filter(l => l.stream === 'stderr').map(l => l.text), ['oops']);
		assert.deepEqual(logs.lines.filter(l => l.stream === 'stdout').map(l => l.text).slice(0, 2), ['hello', 'tick']);
		assert.equal(failed(await cli('logs', 'ghost', '--json'), 4, 'E_UNKNOWN_TASK').error.name, 'ghost');
		failed(await cli('logs', 'talker', '-n', 'many', '--json'), 2, 'E_USAGE');

		// -f --json: JSON Lines on stdout, one object per output line, through the real binary.
		const follower = runTm(['logs', 'talker', '-f', '-n', '1', '--json', '--home', home], {cwd: dir});
		const streamed = await waitFor(() => follower.stdout().split('\n').filter(Boolean), lines => lines.length >= 3, {what: 'followed lines'});
		for (const line of streamed) {
			assertSchema('logs-line', parseDocument(line));
		}

		follower.child.kill('SIGINT');
		assert.equal(await follower.exited, 0);

		const history = ok(await cli('history', 'web:0', '--json'), 'history') as {taskId: string; runs: unknown[]; events: unknown[]};
		assert.equal(history.taskId, 'web:0');
		assert.equal(history.runs.length, 2, 'the first run and the restart');
		assert.equal(failed(await cli('history', 'ghost', '--json'), 4, 'E_UNKNOWN_TASK').error.name, 'ghost');
		failed(await cli('history', 'web:0', '--limit', '0', '--json'), 2, 'E_USAGE');

		// Through the real binary: the exit code is the process's, stdout and stderr are its own.
		const real = runTm(['status', 'nope', '--json', '--home', home], {cwd: dir});
		assert.equal(await real.exited, 4);
		assert.equal(real.stdout(), '');
		assertSchema('error', parseDocument(real.stderr()));
		const realOk = runTm(['status', '--json', '--home', home], {cwd: dir});
		assert.equal(await realOk.exited, 0);
		assertSchema('status', parseDocument(realOk.stdout()));
		assert.equal(realOk.stderr(), '');

		const down = ok(await cli('down', '--json'), 'down') as {ok: boolean; pid: number};
		assert.equal(down.pid, up.pid);
		await waitFor(() => alive(up.pid), running => !running, {what: 'the daemon to exit'});
		failed(await cli('status', '--json'), 3, 'E_DAEMON_NOT_RUNNING');
		// History reads the store, so it works with the daemon down.
		ok(await cli('history', 'web:1', '--json'), 'history');

		const real3 = runTm(['status', '--json', '--home', home], {cwd: dir});
		assert.equal(await real3.exited, 3);
		assertSchema('error', parseDocument(real3.stderr()));
	});

	it('resolves a relative -c FILE against the command\'s cwd, and reports the file as an absolute path', async () => {
		const dir = tempDir('tm-json-');
		writeFileSync(path.join(dir, 'tm.yaml'), config);
		const result = await tm(['validate', '-c', 'tm.yaml', '--json'], {cwd: dir, env: {HOME: dir}});
		assert.equal(result.code, 0, result.out + result.err);
		assert.equal((parseDocument(result.out) as {file: string}).file, path.join(dir, 'tm.yaml'));
	});

	it('the schemas refuse a renamed or missing field, so the checks above can fail', () => {
		const task: TaskStatus = {
			id: 'web', name: 'web', program: 'web', kind: 'service', state: 'running', reason: 'started', pid: 4301,
			startedAt: '2026-11-23T10:00:00.000Z', restarts: 2, attempt: 1, exitCode: null, cpu: 0.4, memory: 31_457_280,
			cpuSeconds: 1.5, heartbeatAt: null, progress: null, progressText: null, status: null, priority: 0, backoffUntil: null, eligibleAt: null, want: 'up', nextRunAt: null, watchdogMs: null, heartbeatIntervalMs: 10_000, cause: 'exit', failures: 0, maxRetries: 3, lastExit: null, checkpointBytes: 0,
			createdAt: '2026-11-23T09:00:00.000Z', endedAt: null, cmd: 'web --port 80', cwd: '/srv', limits: {maxRuntimeMs: null, maxMemory: null, watchdogMs: null, stuck: null},
		};
		const doc: StatusDoc = {daemon: {pid: 4242, startedAt: '2026-11-23T10:00:00.000Z', version: '0.1.0', home: '/h', config: null, disk: diskOk}, tasks: [task]};
		assert.equal(schemaErrors('status', doc), null);
		assert.equal(schemaErrors('status', {...doc, host: null}), null);
		const {restarts, ...renamed} = task;
		assert.match(schemaErrors('status', {...doc, tasks: [{...renamed, restartCount: restarts}]}) ?? '', /restarts/);
		assert.match(schemaErrors('status', {...doc, tasks: [{...task, state: 'sleeping'}]}) ?? '', /state/);
		assert.match(schemaErrors('status', {...doc, tasks: [{...task, startedAt: 'yesterday'}]}) ?? '', /startedAt/);
		assert.match(schemaErrors('task-action', {results: [{name: 'web', ok: false, outcome: 'failed', state: 'fatal'}]}) ?? '', /error/);
		assert.match(schemaErrors('error', {error: {code: 'E_NOPE', message: 'x'}}) ?? '', /code/);
		assert.match(schemaErrors('error', {code: 'E_USAGE', message: 'x'}) ?? '', /error/);
	});

	it('documents what lands later (reload; run, tasks, cancel, retry, pause, resume with issue 5) as methods.ts types them', () => {
		const reload: ReloadResult = {added: ['api'], removed: ['old'], changed: [{name: 'web', keys: ['cmd', 'env']}], unchanged: ['db'], daemon: [], applied: false};
		assert.equal(schemaErrors('reload', reload), null);
		assert.match(schemaErrors('reload', {...reload, changed: ['web']}) ?? '', /changed/);
		const run: Methods['run']['result'] = {id: 'j-7f3a', name: 'backup#2'};
		assert.equal(schemaErrors('run', run), null);
		const tasks: Methods['tasks']['result'] = {tasks: []};
		assert.equal(schemaErrors('tasks', tasks), null);
		const cancelled: Methods['cancel']['result'] = {results: [{name: 'j-7f3a', ok: true, outcome: 'done', state: 'stopped'}]};
		assert.equal(schemaErrors('task-action', cancelled), null);
	});

	it('every schema is valid draft 2020-12, and docs/cli-json.md links each one', () => {
		const docs = readFileSync(path.resolve(import.meta.dirname, '../../docs/cli-json.md'), 'utf8');
		for (const file of schemaFiles()) {
			const name = file.replace(/\.schema\.json$/, '');
			// Compiles (strict), or throws.
			schemaErrors(name, {});
			assert.ok(docs.includes(`schemas/${file}`), `docs/cli-json.md links schemas/${file}`);
		}
	});
});
