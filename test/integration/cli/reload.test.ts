/**
 * `tm reload` and SIGHUP against a real daemon: unchanged programs keep their pids, changed
 * ones restart with the new spec, added ones start, removed ones stop and leave; an invalid
 * file changes nothing and lists every problem.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {ReloadResult, StatusDoc} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {schemaErrors} from '../../helpers/schema.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids} from '../../helpers/procs.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

/** Every task pid a status showed: their process groups are killed even when a test fails before `tm down`. */
const seen = new Set<number>();
after(() => {
	killPids(seen);
	killAllTm();
});

const program = (name: string, cmd: string, extra = '') => `  ${name}:\n    cmd: ${cmd}\n    starttime: 0\n    stoptime: 2\n${extra}`;

describe('tm reload', () => {
	it('says a daemon key it applied was applied, and which keys wait for the next start', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const file = path.join(dir, 'tm.yaml');
		const config = (daemonKeys: string) => `taskmaster:\n${daemonKeys}programs:\n${program('one', 'sleep 1000')}${program('two', 'sleep 1000')}`;
		writeFileSync(file, config('  max_running: 1\n'));
		runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const running = async () => (JSON.parse((await cli('status', '--json')).out || '{"tasks":[]}') as StatusDoc).tasks.filter(t => t.state === 'running').length;
		await waitFor(running, count => count === 1, {what: 'one task running under max_running 1'});
		writeFileSync(file, config('  max_running: 2\n  sample_interval: 500ms\n'));
		const human = await cli('reload');
		assert.equal(human.code, 0, human.err);
		assert.match(human.out, /daemon +max_running changed\n/);
		assert.match(human.out, /daemon +sample_interval changed: takes effect when the daemon starts again/);
		assert.match(human.out, /\napplied\n$/);
		assert.doesNotMatch(human.out, /nothing to do/);
		await waitFor(running, count => count === 2, {what: 'both tasks running once max_running is 2'});
		writeFileSync(file, config('  max_running: 2\n  sample_interval: 1s\n'));
		assert.match((await cli('reload')).out, /takes effect when the daemon starts again \(tm down, then tm up\)\nnothing to do\n$/);
		await cli('down');
	});

	it('restarts only what changed, keeps unchanged pids, and refuses an invalid file whole', async () => {
		const dir = tempDir();
		const home = path.join(dir, 'home');
		const file = path.join(dir, 'tm.yaml');
		writeFileSync(file, `programs:\n${program('keep', 'sleep 1000', '    numprocs: 2\n')}${program('change', 'sleep 1000')}${program('drop', 'sleep 1000')}`);
		const daemon = runTm(['up', '--foreground'], {cwd: dir});
		const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
		const status = async () => {
			const doc = JSON.parse((await cli('status', '--json')).out || '{"tasks":[]}') as StatusDoc;
			doc.tasks.forEach(t => t.pid !== null && seen.add(t.pid));
			return doc;
		};
		const pids = (doc: StatusDoc) => Object.fromEntries(doc.tasks.map(t => [t.id, t.pid]));
		const before = pids(await waitFor(status, doc => doc.tasks.length === 4 && doc.tasks.every(t => t.state === 'running'), {what: 'four tasks running'}));

		writeFileSync(file, `programs:\n${program('keep', 'sleep 1000', '    numprocs: 2\n')}${program('change', 'sleep 999')}${program('add', 'sleep 1000')}`);
		const dry = await cli('reload', '--dry-run', '--json');
		assert.equal(dry.code, 0, dry.err);
		const plan = JSON.parse(dry.out) as ReloadResult;
		assert.equal(schemaErrors('reload', plan), null, 'the document matches docs/schemas/reload.schema.json');
		assert.deepEqual(plan, {added: ['add'], removed: ['drop'], changed: [{name: 'change', keys: ['cmd']}], unchanged: ['keep'], daemon: [], applied: false});
		assert.deepEqual(pids(await status()), before, 'a dry run touches nothing');

		const human = await cli('reload');
		assert.equal(human.code, 0, human.err);
		assert.match(human.out, /added +add\nremoved +drop\nchanged +change \(cmd\)\nunchanged +keep\napplied/);
		const reloaded = await waitFor(
			status,
			doc => ['add', 'change'].every(id => doc.tasks.find(t => t.id === id)?.state === 'running'),
			{what: 'add and the restarted change running'},
		);
		const now = pids(reloaded);
		assert.equal(now['keep:0'], before['keep:0'], 'unchanged keep:0 keeps its pid');
		assert.equal(now['keep:1'], before['keep:1'], 'unchanged keep:1 keeps its pid');
		assert.notEqual(now['change'], before['change']);
		assert.equal(reloaded.tasks.find(t => t.id === 'change')?.state, 'running');
		assert.ok(!alive(before['change'] ?? 0), 'the old process of a changed program is gone');
		assert.ok(!('drop' in now), 'a removed program leaves the task list');
		assert.ok(!alive(before['drop'] ?? 0), 'a removed program is stopped');

		writeFileSync(file, `programs:\n${program('keep', 'sleep 1000', '    numprocs: 2\n    stoptime: ten\n')}${program('other', 'sleep 1', '    autorestart: sometimes\n')}`);
		const bad = await cli('reload', '--json');
		assert.equal(bad.code, 2);
		assert.equal(schemaErrors('error', JSON.parse(bad.err)), null);
		const error = JSON.parse(bad.err) as {error: {code: string; message: string}};
		assert.equal(error.error.code, 'E_CONFIG_INVALID');
		assert.match(error.error.message, /programs\.keep\.stoptime/);
		assert.match(error.error.message, /programs\.other\.autorestart/);
		assert.deepEqual(pids(await status()), now, 'an invalid file changes nothing');

		// SIGHUP does the same as `tm reload`.
		writeFileSync(file, `programs:\n${program('keep', 'sleep 1000', '    numprocs: 2\n')}${program('change', 'sleep 999')}${program('add', 'sleep 1000')}${program('hup', 'sleep 1000')}`);
		process.kill(daemon.pid, 'SIGHUP');
		const hup = await waitFor(status, doc => doc.tasks.find(t => t.id === 'hup')?.state === 'running', {what: 'hup started by SIGHUP'});
		assert.deepEqual({...pids(hup), hup: null}, {...now, hup: null}, 'SIGHUP leaves the others as they were');
		assert.match(daemon.stderr(), /SIGHUP: added +hup/);

		const down = await cli('down');
		assert.equal(down.code, 0, down.err);
		assert.equal(await daemon.exited, 0);
	});
});
