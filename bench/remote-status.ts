/**
 * `tm status --json` of 100 programs: here (the Unix socket), over ssh (`--host`) with a new
 * connection each time, and over ssh with connection sharing (ControlMaster/ControlPersist);
 * beside them `ssh host true`, the cost of the ssh round trip alone, with and without sharing.
 * A real sshd on 127.0.0.1 (test/helpers/sshd.ts: temp keys and config), so the link has no
 * latency of its own: the numbers are what ssh and tm add. With `DELAY_MS=50`, ssh goes through
 * a proxy that holds every chunk 50 ms each way (`delay-proxy.ts`): a 100 ms round trip, and
 * `tm top --host` over it is timed too (tmux): the first frame, a log switch (`j`: the next
 * task's log followed), an action (`r y`: its answer on screen).
 *
 *   npm run build:tsc && npx tsx bench/remote-status.ts           # node dist/bin/tm.js
 *   TM_BIN=$PWD/dist/tm RUNS=30 npx tsx bench/remote-status.ts     # the single executable
 *   DELAY_MS=50 npx tsx bench/remote-status.ts                     # over a 100 ms link
 *
 * Prints a Markdown table and, with `WRITE=1`, puts it in docs/benchmarks.md (its own section).
 */
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {startSshd} from '../test/helpers/sshd.js';
import {closeTerminals, noTmux, Terminal} from '../test/helpers/terminal.js';
import {connect, destroyAll, startDaemon, stop, waitRunning} from './daemons.js';
import {delayProxy, type DelayProxy} from './delay-proxy.js';

const root = path.resolve(import.meta.dirname, '..');
const runs = Number(process.env['RUNS'] ?? 20);
const delayMs = Number(process.env['DELAY_MS'] ?? 0);
const built = path.join(root, 'dist/bin/tm.js');
if (!process.env['TM_BIN']) {
	if (!existsSync(built)) {
		throw new Error('build first: npm run build:tsc (or give TM_BIN)');
	}

	// Run as an installed tm is (its #! line): startDaemon runs TM_BIN too.
	chmodSync(built, 0o755);
	process.env['TM_BIN'] = built;
}

const bin = [path.resolve(process.env['TM_BIN']!)];

type Row = {what: string; ms: number[]};

/** One command's exit status and stderr. Not spawnSync: the delay proxy runs on this event loop. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; stderr: string}> {
	return new Promise(resolve => {
		const child = spawn(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('exit', code => resolve({code, stderr}));
	});
}

async function time(what: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Row> {
	const ms: number[] = [];
	for (let i = 0; i < runs + 2; i++) {
		const t0 = performance.now();
		const result = await run(command, args, env);
		const took = performance.now() - t0;
		if (result.code !== 0) {
			throw new Error(`${what}: exit ${result.code}: ${result.stderr}`);
		}

		// Two warm-ups (and the ControlMaster's first connection).
		if (i >= 2) {
			ms.push(took);
		}
	}

	return {what, ms};
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const f = (ms: number): string => ms.toFixed(ms < 10 ? 1 : 0);

/** `tm top --host` in tmux: the first frame, a log switch, an action; `runs` times. */
async function topTimes(command: string, runs: number): Promise<Row[]> {
	const rows: Row[] = [
		{what: 'tm top --host: first frame with the tasks', ms: []},
		{what: 'tm top --host: j, until the next task\'s log is followed', ms: []},
		{what: 'tm top --host: r y, until the restart\'s answer is shown', ms: []},
	];
	const timed = async (row: Row, what: string, accept: (screen: string[]) => boolean, term: Terminal): Promise<void> => {
		const t0 = performance.now();
		await term.until(what, accept, 60_000);
		row.ms.push(performance.now() - t0);
	};

	for (let i = 0; i < runs; i++) {
		const term = new Terminal(root, 100, 30);
		term.type(command);
		term.keys('Enter');
		await timed(rows[0]!, 'the tasks', s => s.some(line => /^\S\S p0 +running/.test(line)), term);
		term.keys('j');
		await timed(rows[1]!, 'p1 followed', s => s.some(line => line.includes('logs p1 · following')), term);
		term.keys('r');
		await term.until('the question', s => s.some(line => line.startsWith('Restart p1? y/N')));
		term.keys('y');
		await timed(rows[2]!, 'the answer', s => s.some(line => line.includes('restarted p1: running')), term);
		term.keys('q');
		await term.until('tm top gone', s => !s.some(line => line.startsWith('tm top')));
		closeTerminals();
	}

	return rows;
}

async function main(): Promise<void> {
	const sshd = await startSshd();
	const link: DelayProxy | null = delayMs > 0 ? await delayProxy(sshd.port, delayMs) : null;
	// Through the proxy: the host key is the same, only the port differs.
	const port = link?.port ?? sshd.port;
	if (link !== null) {
		writeFileSync(path.join(sshd.dir, 'known_hosts'), readFileSync(path.join(sshd.dir, 'known_hosts'), 'utf8').replace(`]:${sshd.port} `, `]:${port} `));
	}

	const daemon = startDaemon('remote-status', 100);
	try {
		const client = await connect(daemon, performance.now() + 30_000);
		await waitRunning(daemon, client, 100, performance.now(), performance.now() + 60_000);
		await client.close();
	} catch (error) {
		await sshd.stop();
		await link?.close();
		throw error;
	}

	// The remote tm is the same build as the local one.
	const remoteTm = path.join(sshd.dir, 'bin', 'tm-bench');
	writeFileSync(remoteTm, `#!/bin/sh\nexec ${bin.join(' ')} "$@"\n`);
	chmodSync(remoteTm, 0o755);
	const url = `ssh://root@127.0.0.1:${port}?socket=${daemon.socket}&tm=${remoteTm}`;
	const ssh = `ssh -F ${path.join(sshd.dir, 'ssh_config')}`;
	const shared = `${ssh} -o ControlMaster=auto -o ControlPath=${path.join(sshd.dir, 'cm-%C')} -o ControlPersist=60`;
	const env = {...process.env, TM_SSH_COMMAND: ssh};
	const sharedEnv = {...process.env, TM_SSH_COMMAND: shared};
	const where = 'root@127.0.0.1';
	const sshArgs = (command: string): string[] => [...command.split(' ').slice(1), '-p', String(port), where, 'true'];
	const rows: Row[] = [];
	try {
		rows.push(await time('local: tm status --json', bin[0]!, [...bin.slice(1), 'status', '--json', '--socket', daemon.socket], process.env));
		rows.push(await time('ssh host true (new connection)', 'ssh', sshArgs(ssh), process.env));
		rows.push(await time('remote: tm status --json --host (new connection)', bin[0]!, [...bin.slice(1), 'status', '--json', '--host', url], env));
		rows.push(await time('ssh host true (ControlMaster)', 'ssh', sshArgs(shared), process.env));
		rows.push(await time('remote: tm status --json --host (ControlMaster)', bin[0]!, [...bin.slice(1), 'status', '--json', '--host', url], sharedEnv));
		if (link !== null && noTmux === false) {
			rows.push(...(await topTimes(`LANG=C.UTF-8 TM_SSH_COMMAND='${ssh}' ${bin.join(' ')} top --host '${url}'`, Math.min(runs, 5))));
		}
	} finally {
		closeTerminals();
		spawnSync('ssh', [...shared.split(' ').slice(1), '-O', 'exit', '-p', String(port), where], {stdio: 'ignore'});
		await stop(daemon);
		await sshd.stop();
		await link?.close();
	}

	const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
	const table = [
		`## Remote status over SSH (issue 20)${delayMs > 0 ? `, ${2 * delayMs} ms round trip` : ''}`,
		'',
		`Generated by \`bench/remote-status.ts\` (${runs} runs each after 2 warm-ups, ${path.relative(root, bin[0]!)}, 100 programs running, ${delayMs > 0 ? `sshd on 127.0.0.1 behind a proxy holding every chunk ${delayMs} ms each way (${2 * delayMs} ms round trip)` : 'sshd on 127.0.0.1, no added delay'}, load ${load} on ${new Date().toISOString().slice(0, 10)}). Milliseconds, wall clock of the whole command.`,
		'',
		'| command | median | min | max |',
		'|---|---:|---:|---:|',
		...rows.map(row => `| ${row.what} | ${f(median(row.ms))} | ${f(Math.min(...row.ms))} | ${f(Math.max(...row.ms))} |`),
		'',
	].join('\n');
	process.stdout.write(`${table}\n`);
	if (process.env['WRITE'] === '1') {
		const file = path.join(root, 'docs/benchmarks.md');
		const text = readFileSync(file, 'utf8');
		// One section per link: the loopback, and each delay measured.
		const title = table.slice(0, table.indexOf('\n'));
		const start = text.indexOf(`${title}\n`);
		const end = start === -1 ? -1 : text.indexOf('\n## ', start + 1);
		writeFileSync(file, start === -1 ? `${text.trimEnd()}\n\n${table}` : `${text.slice(0, start)}${table}${end === -1 ? '' : text.slice(end + 1)}`);
	}
}

main().catch((error: unknown) => {
	destroyAll();
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
});
