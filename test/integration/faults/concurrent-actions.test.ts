/**
 * Many clients acting on one task at once, through a real daemon: every `start`, `stop` and
 * `restart` returns within its bounds and names what became of its request (`done`, or
 * `superseded` by a later request from another client, or `failed`), and there is never more
 * than one process of the task.
 */
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {TaskActionResults} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids, pidsWithArg} from '../../helpers/procs.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const markers: string[] = [];
after(() => {
	killAllTm();
	// A daemon killed above leaves its task: stopped here by the pids its marker finds.
	killPids(markers.flatMap(marker => pidsWithArg(marker)));
});

function leadsSession(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === pid;
	} catch {
		return false;
	}
}

const actions = ['start', 'stop', 'restart'] as const;
const clients = 48;
/** starttime + stoptime + a slow scheduler under load: the longest one request may take. */
const boundMs = 15_000;

describe('N clients × (start, stop, restart) on one task', () => {
	it('every command returns in bounds, says what became of its request, and one process at most runs', {timeout: 120_000}, async () => {
		const dir = tempDir('tm-concurrent-');
		const home = path.join(dir, 'home');
		// The task ignores SIGTERM for a moment, so stops overlap with the requests after them.
		writeFileSync(path.join(dir, 'flap.sh'), "trap 'sleep 0.2; exit 0' TERM\nwhile :; do sleep 0.05; done\n");
		const marker = `flap-${path.basename(dir)}`;
		markers.push(marker);
		writeFileSync(path.join(dir, 'tm.yaml'), `programs:\n  flap:\n    cmd: sh flap.sh ${marker}\n    starttime: 100ms\n    stoptime: 1s\n`);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
		let most = 0;
		let watching = true;
		const watcher = (async () => {
			while (watching) {
				// Session leaders only: a shell's child between fork and exec shows the shell's command line.
				most = Math.max(most, pidsWithArg(marker).filter(leadsSession).length);
				await new Promise(resolve => setImmediate(resolve));
			}
		})();
		const seen: Record<string, number> = {};
		for (let round = 0; round < 3; round++) {
			const requests = Array.from({length: clients}, (_, i) => actions[(i + round) % actions.length]!);
			const answers = await Promise.all(
				requests.map(async action => {
					const started = Date.now();
					const result = await cli(action, 'flap', '--json');
					return {action, result, ms: Date.now() - started};
				}),
			);
			for (const {action, result, ms} of answers) {
				assert.ok(ms < boundMs, `${action} returned after ${ms} ms`);
				const doc = JSON.parse(result.out) as TaskActionResults;
				const [answer] = doc.results;
				assert.ok(answer, `${action}: ${result.out}${result.err}`);
				assert.ok(['done', 'superseded', 'failed'].includes(answer.outcome), `${action}: outcome ${answer.outcome}`);
				assert.equal(answer.ok, answer.outcome === 'done', `${action}: ok follows the outcome: ${result.out}`);
				assert.equal(result.code, answer.ok ? 0 : 1);
				if (answer.outcome === 'superseded') {
					assert.match(answer.error ?? '', /^superseded by a later (stop|start|restart)/, `${action}: ${answer.error}`);
				}

				seen[`${action}:${answer.outcome}`] = (seen[`${action}:${answer.outcome}`] ?? 0) + 1;
			}
		}

		watching = false;
		await watcher;
		assert.ok(most <= 1, `at most one process of the task at any time (saw ${most})`);
		assert.ok(Object.keys(seen).some(key => key.endsWith(':done')), JSON.stringify(seen));
		await cli('down');
		await daemon.exited;
	});
});
