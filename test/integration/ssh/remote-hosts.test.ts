/**
 * Two remote homes as two hosts (`east`, `west`, named with tm host add) behind a real sshd: one
 * `tm status` over both (a HOST column; JSON per host, a host that is down reported beside the
 * others), `tm top --host east` in a real terminal (tmux), and `tm top --host east,west`: the
 * HOST column, a filter by host, the selected task's log from its host, and one host going away
 * and coming back on its own while the other stays on screen.
 */
import assert from 'node:assert/strict';
import {chmodSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {tm} from '../../helpers/cli.js';
import {tempDir} from '../../helpers/harness.js';
import {killPids, pidsWithArg} from '../../helpers/procs.js';
import {assertSchema} from '../../helpers/schema.js';
import {localEnv, remoteDaemon, type RemoteDaemon} from '../../helpers/remote.js';
import {sshdMissing, startSshd, type Sshd} from '../../helpers/sshd.js';
import {closeTerminals, noTmux, Terminal} from '../../helpers/terminal.js';
import {killAllTm, runTm} from '../../helpers/tm-process.js';
import {waitFor} from '../../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../../..');
const marker = `88${String(process.pid).slice(-3)}3`;
const config = (word: string): string => `programs:
  web:
    cmd: sleep ${marker}
    starttime: 0
  tick:
    cmd: "sh -c 'while :; do echo ${word}; sleep 0.2; done' ${marker}"
    starttime: 0
`;

/** A table row of `host` and `name` (marker, glyph, HOST, NAME). */
const hostRow = (screen: string[], host: string, name: string): string | undefined => screen.slice(2).find(line => new RegExp(`^[ >]\\S ${host} +${name} `).test(line));
const row = (screen: string[], name: string): string | undefined => screen.slice(2).find(line => new RegExp(`^[ >]\\S ${name} `).test(line));

describe('several hosts at once', {skip: sshdMissing() ?? false}, () => {
	let sshd: Sshd;
	let dir: string;
	let env: Record<string, string>;
	let east: RemoteDaemon;
	let west: RemoteDaemon;

	before(async () => {
		sshd = await startSshd();
		dir = tempDir('tm-ssh-hosts-');
		env = localEnv(sshd, dir);
		[east, west] = await Promise.all([remoteDaemon(sshd, dir, 'east', config('sunrise')), remoteDaemon(sshd, dir, 'west', config('sunset'))]);
		for (const [name, daemon] of [['east', east], ['west', west]] as const) {
			assert.equal((await tm(['host', 'add', name, daemon.url], {env})).code, 0);
		}
	});

	after(async () => {
		closeTerminals();
		killAllTm();
		killPids(pidsWithArg(marker));
		await sshd?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	it('tm status --host east --host west: one table with a HOST column', async () => {
		const result = await tm(['status', '--host', 'east', '--host', 'west'], {env});
		assert.equal(result.code, 0, result.err);
		const lines = result.out.split('\n');
		assert.match(lines[0] ?? '', /^HOST\s+NAME\s+STATE/);
		for (const host of ['east', 'west']) {
			for (const name of ['tick', 'web']) {
				assert.ok(lines.some(line => new RegExp(`^${host}\\s+${name}\\s+running`).test(line)), `${host} ${name} in:\n${result.out}`);
			}
		}
	});

	it('tm status --host all --json: a document per host, a host that is down among them', async () => {
		// A port held by the test, closing every connection at once (no sshd there): a port merely
		// found free could be taken by another test's server before ssh connects to it.
		const gone = createServer(socket => socket.destroy());
		await new Promise<void>(resolve => gone.listen(0, '127.0.0.1', resolve));
		const {port} = gone.address() as AddressInfo;
		assert.equal((await tm(['host', 'add', 'gone', `ssh://root@127.0.0.1:${port}`], {env})).code, 0);
		try {
			const result = await tm(['status', '--host', 'all', '--json'], {env});
			assert.equal(result.code, 3, 'a host could not be reached');
			assertSchema('status-hosts', JSON.parse(result.out));
			const {hosts} = JSON.parse(result.out) as {hosts: Array<{name: string; status?: {tasks: Array<{name: string}>}; error?: {reason: string}}>};
			assert.deepEqual(
				hosts.map(host => host.name),
				['east', 'west', 'gone'],
			);
			assert.deepEqual(hosts[0]?.status?.tasks.map(task => task.name).sort(), ['tick', 'web']);
			assert.deepEqual(hosts[1]?.status?.tasks.map(task => task.name).sort(), ['tick', 'web']);
			assert.equal(hosts[2]?.error?.reason, 'unreachable', JSON.stringify(hosts[2]?.error));
		} finally {
			await tm(['host', 'rm', 'gone'], {env});
			await new Promise(resolve => gone.close(resolve));
		}
	});

	const topScript = (hosts: string): string => {
		const file = path.join(dir, `top-${hosts.replace(',', '-')}.sh`);
		const exports = Object.entries(env).map(([key, value]) => `${key}='${value}'`).join(' ');
		writeFileSync(file, `#!/bin/sh\nexport LANG=C.UTF-8 ${exports}\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(root, 'bin/tm.ts')}" top --host ${hosts}\n`);
		chmodSync(file, 0o755);
		return file;
	};

	const open = async (script: string): Promise<Terminal> => {
		const term = new Terminal(dir, 100, 24);
		term.type(`PS1='$ '; clear; ${script}`);
		term.keys('Enter');
		return term;
	};

	it('tm top --host east: the remote tasks and the selected task’s log', {skip: noTmux}, async () => {
		const term = await open(topScript('east'));
		await term.until('both tasks running', s => /running/.test(row(s, 'tick') ?? '') && /running/.test(row(s, 'web') ?? ''), 40_000);
		// tick is first by name, so selected: its log comes through its own channel.
		await term.until('east’s log', s => s.filter(line => line.trim() === 'sunrise').length >= 2, 30_000);
		term.keys('q');
		await term.until('the shell back', s => s.some(line => line.startsWith('$')) && !s.some(line => /^tm top/.test(line)));
	});

	it('tm top --host east,west: one table, a filter by host, each host reconnecting on its own', {skip: noTmux}, async () => {
		const term = await open(topScript('east,west'));
		const all = (s: string[]): boolean => ['east', 'west'].every(host => ['tick', 'web'].every(name => /running/.test(hostRow(s, host, name) ?? '')));
		let screen = await term.until('four tasks of two hosts', all, 40_000);
		assert.match(screen[0] ?? '', /^tm top · .*east .*west · 4 tasks/);
		assert.match(screen[1] ?? '', /^ {3}HOST +NAME/);

		// / west: only west's tasks; the selected one (west's tick) shows west's log.
		term.keys('/');
		term.type('west');
		term.keys('Enter');
		await term.until('only west', s => hostRow(s, 'west', 'tick') !== undefined && hostRow(s, 'east', 'tick') === undefined && hostRow(s, 'east', 'web') === undefined);
		await term.until('west’s log', s => s.filter(line => line.trim() === 'sunset').length >= 2, 30_000);
		term.keys('Escape');
		await term.until('all rows back', all);

		// west's daemon gone: west retries, east stays live; back: west's tasks are live again.
		process.kill(west.daemon.pid, 'SIGKILL');
		await west.daemon.exited;
		screen = await term.until('west retrying', s => /west retrying/.test(s[0] ?? ''), 30_000);
		assert.match(hostRow(screen, 'east', 'web') ?? '', /running/);
		west = {...west, daemon: runTm(['up', '--foreground', '-c', west.config], {cwd: dir, env: {TM_HOME: west.home}})};
		await term.until('west back', s => !/retrying/.test(s[0] ?? '') && all(s), 60_000);
		term.keys('q');
		await term.until('the shell back', s => !s.some(line => /^tm top/.test(line)));
		await waitFor(() => pidsWithArg(east.home).length + pidsWithArg(west.home).length, count => count === 0, {what: 'no remote dial-stdio left'});
	});
});
