/**
 * Liveness against a real daemon: the watchdog, max_memory, checkpoints across kill -9 and a
 * daemon restart, garbage on fd 3, and the sampled CPU of a paused group.
 */
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import type {StatusDoc, TaskStatus} from '../../../src/core/ipc/methods.js';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../../helpers/tm-process.js';
import {alive, waitFor} from '../../helpers/wait.js';

after(killAllTm);

type Daemon = {dir: string; home: string; process: TmProcess; cli(...args: string[]): ReturnType<typeof tm>; task(id: string): Promise<TaskStatus | undefined>; status(): Promise<StatusDoc>};

async function daemon(yaml: string, dir = tempDir()): Promise<Daemon> {
	const home = path.join(dir, 'home');
	writeFileSync(path.join(dir, 'tm.yaml'), yaml);
	const process = runTm(['up', '--foreground'], {cwd: dir});
	const cli = (...args: string[]) => tm([...args, '--home', home], {cwd: dir, env: {HOME: dir}});
	const status = async () => JSON.parse((await cli('status', '--json')).out || '{"tasks":[]}') as StatusDoc;
	await waitFor(async () => (await cli('status', '--json')).code, code => code === 0, {what: 'the daemon to answer'});
	return {dir, home, process, cli, status, task: async id => (await status()).tasks.find(t => t.id === id)};
}

async function down(d: Daemon): Promise<void> {
	await d.cli('down');
	await d.process.exited;
}

describe('liveness', () => {
	it('a child that stops sending WATCHDOG=1 is killed and restarted within watchdog + one sample period', async () => {
		// Beats three times, then hangs without exiting.
		const d = await daemon(`taskmaster:\n  sample_interval: 200ms\nprograms:\n  hung:\n    cmd: "for i in 1 2 3; do echo WATCHDOG=1 >&3; sleep 0.1; done; exec sleep 1000"\n    shell: true\n    starttime: 0\n    watchdog: 1s\n    backoff: {initial: 100ms}\n`);
		const first = await waitFor(async () => d.task('hung'), t => t?.state === 'running' && t.heartbeatAt !== null, {what: 'hung running with a heartbeat'});
		const heartbeat = Date.parse(first?.heartbeatAt ?? '');
		const restarted = await waitFor(async () => d.task('hung'), t => (t?.restarts ?? 0) >= 1, {what: 'hung restarted by its watchdog', timeout: 10_000});
		assert.ok(!alive(first?.pid ?? 0), 'the hung process is gone');
		const history = JSON.parse((await d.cli('history', 'hung', '--json')).out) as {events: Array<{at: string | number; data: {reason?: string; to?: string}}>};
		const fault = history.events.find(e => e.data.to === 'stopping');
		assert.equal(fault?.data.reason, 'watchdog: no heartbeat for 1s');
		const faultAt = new Date(fault?.at ?? 0).getTime();
		// The last heartbeat was at most 300 ms after the first one we saw.
		const late = faultAt - heartbeat;
		assert.ok(late <= 1000 + 300 + 200 + 250, `killed ${late} ms after the first seen heartbeat (watchdog 1s + beats 0.3s + one sample 0.2s + slack)`);
		assert.equal(restarted?.watchdogMs, 1000);
		await down(d);
	});

	it('a busy-looping child over max_memory is restarted by tm\'s samples (cgroups off: the kernel does it otherwise, test/integration/cgroups); the sample reaches status', async () => {
		const d = await daemon(`taskmaster:\n  sample_interval: 200ms\n  cgroups: off\nprograms:\n  hog:\n    cmd: node -e "const b = Buffer.alloc(64 * 1024 * 1024, 1); for (;;) {}"\n    starttime: 0\n    max_memory: 32M\n    backoff: {initial: 100ms}\n  spin:\n    cmd: sh -c 'while :; do :; done'\n    starttime: 0\n`);
		const hog = await waitFor(async () => d.task('hog'), t => (t?.restarts ?? 0) >= 1, {what: 'hog restarted over max_memory', timeout: 15_000});
		assert.ok(hog);
		const history = JSON.parse((await d.cli('history', 'hog', '--json')).out) as {events: Array<{data: {reason?: string; to?: string}}>};
		assert.match(history.events.find(e => e.data.to === 'stopping')?.data.reason ?? '', /^max_memory: \d+(\.\d)?M over 32M$/);
		const sampled = await waitFor(async () => d.task('spin'), t => t?.state === 'running' && (t.cpu ?? 0) > 10 && (t.memory ?? 0) > 0, {what: 'cpu and memory sampled'});
		assert.ok((sampled?.cpuSeconds ?? -1) >= 0);
		const status = await d.status();
		assert.ok(status.host && status.host.memoryTotal > 0 && status.host.cpus > 0, 'the host is in the status document');
		await down(d);
	});

	it('a paused group uses no CPU and continues on resume; paused tasks are not sampled as stuck', async () => {
		const d = await daemon(`taskmaster:\n  sample_interval: 200ms\nprograms:\n  spin:\n    cmd: sh -c 'while :; do :; done'\n    starttime: 0\n`);
		await waitFor(async () => d.task('spin'), t => (t?.cpu ?? 0) > 10, {what: 'spin busy'});
		const pause = await d.cli('pause', 'spin');
		if (pause.code !== 0 && /unknown command/.test(pause.err)) {
			// The CLI verb lands separately; drive the method over the socket instead.
			const {RpcClient} = await import('../../../src/core/ipc/client.js');
			const client = await RpcClient.connect(path.join(d.home, 'tm.sock'), {client: 'test'});
			await client.call('pause', {names: ['spin']});
			await waitFor(async () => d.task('spin'), t => t?.state === 'paused' && t.cpu !== null && t.cpu < 2, {what: 'paused spin at 0% cpu'});
			await client.call('resume', {names: ['spin']});
			client.close();
		} else {
			assert.equal(pause.code, 0, pause.err);
			await waitFor(async () => d.task('spin'), t => t?.state === 'paused' && t.cpu !== null && t.cpu < 2, {what: 'paused spin at 0% cpu'});
			assert.equal((await d.cli('resume', 'spin')).code, 0);
		}

		await waitFor(async () => d.task('spin'), t => t?.state === 'running' && (t.cpu ?? 0) > 10, {what: 'spin busy again'});
		await down(d);
	});

	it('a checkpoint written before kill -9 is in TM_CHECKPOINT of the next attempt, and after a daemon restart', async () => {
		const dir = tempDir();
		const yaml = `programs:\n  ck:\n    cmd: "echo \\"got=$TM_CHECKPOINT\\"; echo CHECKPOINT=saved-$TM_ATTEMPT >&3; exec sleep 1000"\n    shell: true\n    starttime: 0\n    backoff: {initial: 100ms}\n`;
		let d = await daemon(yaml, dir);
		const first = await waitFor(async () => d.task('ck'), t => t?.state === 'running', {what: 'ck running'});
		await waitFor(async () => (await d.cli('logs', 'ck', '--json')).out, out => out.includes('got='), {what: 'first output'});
		await waitFor(async () => (await d.cli('history', 'ck', '--json')).out, () => true, {what: 'history'});
		// Give the daemon the checkpoint line before the kill: wait until it is stored.
		const {RpcClient} = await import('../../../src/core/ipc/client.js');
		const describe = async () => {
			const client = await RpcClient.connect(path.join(d.home, 'tm.sock'), {client: 'test'});
			try {
				return await client.call('describe', {name: 'ck'});
			} finally {
				client.close();
			}
		};

		await waitFor(describe, t => t.checkpointBytes > 0, {what: 'checkpoint stored'});
		process.kill(first?.pid ?? 0, 'SIGKILL');
		await waitFor(async () => (await d.cli('logs', 'ck', '--json')).out, out => out.includes('got=saved-1'), {what: 'attempt 2 got the checkpoint of attempt 1'});
		await down(d);

		d = await daemon(yaml, dir);
		await waitFor(async () => (await d.cli('logs', 'ck', '-n', '100', '--json')).out, out => /got=saved-\d/.test(out.split('got=saved-1').at(-1) ?? ''), {
			what: 'the checkpoint survives a daemon restart',
		});
		await down(d);
	});

	it('garbage and floods on fd 3 change nothing', async () => {
		const d = await daemon(`programs:\n  noisy:\n    cmd: "head -c 3000000 /dev/urandom >&3; printf 'PROGRESS=abc\\\\nREADY=2\\\\nWATCHDOG=0\\\\n%s\\\\n' $(head -c 200000 /dev/zero | tr '\\\\0' x) >&3; echo STATUS=fine >&3; exec sleep 1000"\n    shell: true\n    starttime: 0\n`);
		const noisy = await waitFor(async () => d.task('noisy'), t => t?.status === 'fine', {what: 'the valid line after the garbage'});
		assert.equal(noisy?.state, 'running');
		assert.equal(noisy?.restarts, 0);
		assert.equal(noisy?.progress, null);
		assert.equal(noisy?.heartbeatAt, null);
		await down(d);
	});
});
