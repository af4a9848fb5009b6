/**
 * Every waiting action from every state it accepts, through a real daemon: `start`, `stop` and
 * `restart` with `wait` answer once the machine says the action is over (core/actions.ts), never
 * hang, and answer with the state the task ended in. One daemon per action, one program per
 * starting state; each call has a deadline and fails with the last status seen.
 */
import assert from 'node:assert/strict';
import {existsSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {RpcClient} from '../../src/core/ipc/client.js';
import type {StateKind} from '../../src/core/model.js';
import type {StatusDoc, TaskActionResult} from '../../src/core/ipc/methods.js';
import {tempDir} from '../helpers/harness.js';
import {killPids} from '../helpers/procs.js';
import {killAllTm, runTm} from '../helpers/tm-process.js';
import {waitFor} from '../helpers/wait.js';

/** One program per starting state, and `gate`, which holds `queued` back until started. */
const config = [
	'programs:',
	'  gate: {cmd: sleep 1000, autostart: false, starttime: 0}',
	'  stopped: {cmd: sleep 1000, autostart: false}',
	// Each ends once (exit 0, exit 1), then runs when started again: the answer does not race the exit.
	'  completed: {cmd: "test -f c && exec sleep 1000; touch c; exit 0", shell: true, starttime: 0, autorestart: false}',
	'  failed: {cmd: "test -f f && exec sleep 1000; touch f; exit 1", shell: true, starttime: 0, autorestart: false}',
	'  fatal: {cmd: "exit 1", shell: true, starttime: 5, startretries: 0}',
	'  running: {cmd: sleep 1000, starttime: 0}',
	'  paused: {cmd: sleep 1000, starttime: 0}',
	'  queued: {cmd: sleep 1000, starttime: 0, depends_on: {gate: started}}',
	// Fails once, then runs: it sits in a long backoff until asked.
	'  backoff: {cmd: "test -f ran && exec sleep 1000; touch ran; exit 1", shell: true, starttime: 0, autorestart: true, backoff: {initial: 1h, max: 1h}}',
	// Ready only once the file `go` exists.
	'  starting: {cmd: "while [ ! -f go ]; do sleep 0.05; done; echo go; exec sleep 1000", shell: true, starttime: 1h, ready: {line: "^go$"}}',
	// Ignores SIGTERM: stays in stopping until SIGKILL at stoptime.
	'  stopping: {cmd: "trap \'\' TERM; exec sleep 1000", shell: true, starttime: 0, stoptime: 2}',
	'',
].join('\n');

const states = ['stopped', 'completed', 'failed', 'fatal', 'running', 'paused', 'queued', 'backoff', 'starting', 'stopping'] as const;
type Row = Record<(typeof states)[number], [StateKind, boolean]>;

/** Where each action ends from each state: [state, ok]. */
const expected: Record<'start' | 'stop' | 'restart', Row> = {
	start: {stopped: ['running', true], completed: ['running', true], failed: ['running', true], fatal: ['fatal', false], running: ['running', true], paused: ['paused', true], queued: ['running', true], backoff: ['running', true], starting: ['running', true], stopping: ['running', true]},
	stop: {stopped: ['stopped', true], completed: ['completed', true], failed: ['failed', true], fatal: ['fatal', true], running: ['stopped', true], paused: ['stopped', true], queued: ['stopped', true], backoff: ['stopped', true], starting: ['stopped', true], stopping: ['stopped', true]},
	restart: {stopped: ['running', true], completed: ['running', true], failed: ['running', true], fatal: ['fatal', false], running: ['running', true], paused: ['running', true], queued: ['running', true], backoff: ['running', true], starting: ['running', true], stopping: ['running', true]},
};

const pids = new Set<number>();
after(() => {
	killAllTm();
	killPids(pids);
});

async function status(socket: string): Promise<StatusDoc> {
	const client = await RpcClient.connect(socket);
	try {
		const doc = await client.call('status', {});
		for (const task of doc.tasks) {
			if (task.pid !== null) {
				pids.add(task.pid);
			}
		}

		return doc;
	} finally {
		await client.close();
	}
}

/** A daemon with every program in the state it is named after. */
async function daemonInStates(): Promise<{dir: string; socket: string; client: RpcClient}> {
	const dir = tempDir('tm-actions-');
	writeFileSync(path.join(dir, 'tm.yaml'), config);
	runTm(['up', '--foreground'], {cwd: dir});
	const socket = path.join(dir, 'home', 'tm.sock');
	const client = (await waitFor(() => RpcClient.connect(socket).catch(() => null), c => c !== null, {what: 'the daemon to answer', timeout: 30_000, interval: 50}))!;
	const state = (doc: StatusDoc, id: string): string | undefined => doc.tasks.find(t => t.id === id)?.state;
	await waitFor(() => status(socket), doc => ['running', 'paused', 'stopping'].every(id => state(doc, id) === 'running') && state(doc, 'backoff') === 'backoff', {what: 'programs up', timeout: 30_000});
	await client.call('pause', {names: ['paused']});
	await client.call('stop', {names: ['stopping'], wait: false});
	const ready = (doc: StatusDoc): boolean => states.every(id => state(doc, id) === id);
	await waitFor(() => status(socket), ready, {what: 'every program in the state it is named after', timeout: 30_000});
	return {dir, socket, client};
}

for (const action of ['start', 'stop', 'restart'] as const) {
	describe(`${action} with wait, from every state`, () => {
		it('answers once the machine says it is over, in the state it ended in', async () => {
			const {dir, socket, client} = await daemonInStates();
			try {
				const answers = new Map<string, TaskActionResult | Error>();
				const calls = states.map(async id => {
					try {
						const {results} = await client.call(action, {names: [id], wait: true}, {timeoutMs: 20_000});
						answers.set(id, results[0]!);
					} catch (error) {
						answers.set(id, error as Error);
					}
				});
				// What holds `queued` and `starting` back goes away once they were asked.
				await waitFor(() => status(socket), doc => action === 'stop' || doc.tasks.find(t => t.id === 'queued')?.want === 'up', {what: 'the request to be handled'});
				await client.call('start', {names: ['gate'], wait: false});
				writeFileSync(path.join(dir, 'go'), '');
				await Promise.all(calls);
				const last = await status(socket);
				for (const id of states) {
					const answer = answers.get(id);
					const seen = last.tasks.find(t => t.id === id);
					const context = `${action} ${id}: answered ${answer instanceof Error ? answer.message : JSON.stringify(answer)}; last status ${seen?.state} (${seen?.reason})`;
					assert.ok(answer && !(answer instanceof Error), context);
					assert.deepEqual([answer.state, answer.ok], expected[action][id], context);
				}

				assert.ok(existsSync(path.join(dir, 'go')));
			} finally {
				await client.call('shutdown', {}).catch(() => undefined);
				await client.close();
			}
		});
	});
}
