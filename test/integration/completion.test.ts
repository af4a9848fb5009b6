/**
 * `tm completion bash|zsh`: the scripts are valid, and the bash one really completes, in a bash
 * subprocess driven the way bash drives it (COMP_WORDS/COMP_CWORD, or COMP_LINE/COMP_POINT):
 * every command and option of the commander program, signals, shells, and task names asked
 * from a real daemon.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {createProgram} from '../../src/commands/program.js';
import {RpcClient} from '../../src/core/ipc/client.js';
import {tm} from '../helpers/cli.js';
import {tempDir} from '../helpers/harness.js';
import {killAllTm, runTm, type TmProcess} from '../helpers/tm-process.js';
import {alive, waitFor} from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('tm-completion-');
const home = path.join(dir, 'home');
const bin = path.join(dir, 'bin');

/** Drives the completion function as bash does; prints COMPREPLY one per line. */
const driver = `
source "$1"; shift
if [[ $1 == --line ]]; then
	COMP_LINE=$2; COMP_POINT=\${#COMP_LINE}
	# What bash itself would put in COMP_WORDS, splitting at COMP_WORDBREAKS (':' included).
	read -ra COMP_WORDS <<<"\${COMP_LINE//:/ : }"
	[[ $COMP_LINE == *[[:space:]] ]] && COMP_WORDS+=("")
	COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
else
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
fi
_tm
printf '%s\\n' "\${COMPREPLY[@]}"
`;

/** The program the way the CLI builds it: the source of truth for commands and options. */
async function program() {
	return createProgram(
		{io: {out: () => {}, err: () => {}, isTTY: false}, env: {}, cwd: dir, onSignal: () => () => {}, self: {command: 'tm', args: []}},
		() => {},
	);
}

let script = '';

/** COMPREPLY for a command line given as words (the last one being completed). */
function complete(words: string[], env: Record<string, string> = {}): string[] {
	const result = spawnSync('bash', ['-c', driver, 'driver', script, ...words], {
		cwd: dir,
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...env},
		encoding: 'utf8',
		timeout: 30_000,
	});
	assert.equal(result.status, 0, result.stderr);
	assert.equal(result.stderr, '', 'completion is quiet');
	return result.stdout.split('\n').filter(Boolean);
}

/** COMPREPLY for a command line as typed (`tm start web:`), with bash's own word splitting. */
const completeLine = (line: string, env: Record<string, string> = {}): string[] => complete(['--line', line], env);

describe('tm completion', () => {
	before(async () => {
		const result = await tm(['completion', 'bash']);
		assert.equal(result.code, 0, result.err);
		script = path.join(dir, 'tm.bash');
		writeFileSync(script, result.out);
	});

	it('prints a bash script that bash accepts', () => {
		execFileSync('bash', ['-n', script]);
	});

	it('prints a zsh script that zsh accepts', async t => {
		const zsh = spawnSync('zsh', ['--version'], {encoding: 'utf8'});
		if (zsh.error) {
			t.skip('zsh is not installed (apt-get install zsh)');
			return;
		}

		const result = await tm(['completion', 'zsh']);
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /^#compdef tm\n/);
		const file = path.join(dir, '_tm');
		writeFileSync(file, result.out);
		const check = spawnSync('zsh', ['-n', file], {encoding: 'utf8'});
		assert.equal(check.status, 0, check.stderr);
		// Every command is described.
		for (const command of (await program()).commands) {
			assert.match(result.out, new RegExp(`^\\t\\t'${command.name()}:`, 'm'));
		}
	});

	it('refuses another shell with a usage error', async () => {
		const result = await tm(['completion', 'fish', '--json']);
		assert.equal(result.code, 2);
		assert.equal((JSON.parse(result.err) as {error: {code: string}}).error.code, 'E_USAGE');
	});

	it('completes every command of the program, and each command\'s options', async () => {
		// Hidden commands (`tm exit`, which only fails with a hint) are not offered.
		const tm = await program();
		const commands = tm.createHelp().visibleCommands(tm).filter(command => command.name() !== 'help');
		assert.ok(commands.length >= 12);
		const offered = complete(['tm', '']);
		assert.deepEqual(offered.sort(), [...commands.map(c => c.name()), 'help'].sort());
		assert.deepEqual(complete(['tm', 'st']).sort(), ['start', 'startup', 'status', 'stop']);
		for (const command of commands) {
			// Hidden options (what a background start passes its daemon) are not offered.
			const flags = command.options.filter(option => !option.hidden).flatMap(option => [option.short, option.long]).filter((flag): flag is string => flag !== undefined);
			const options = complete(['tm', command.name(), '-']);
			for (const flag of [...flags, '--json', '--home', '--socket', '--help']) {
				assert.ok(options.includes(flag), `tm ${command.name()} - offers ${flag}: ${options.join(' ')}`);
			}
		}

		assert.deepEqual(complete(['tm', 'logs', '--s']).sort(), ['--socket', '--stderr', '--stdout']);
		assert.deepEqual(complete(['tm', '--j']), ['--json']);
		// The value of a global option is not the command.
		assert.deepEqual(complete(['tm', '--home', '/tmp', 'do']), ['down']);
		assert.deepEqual(complete(['tm', 'help', 'sig']), ['signal']);
	});

	it('completes arguments: signals, shells, files for --config', () => {
		assert.ok(complete(['tm', 'signal', '']).includes('TERM'));
		assert.deepEqual(complete(['tm', 'signal', 'HU']), ['HUP']);
		assert.deepEqual(complete(['tm', 'completion', '']), ['bash', 'zsh']);
		writeFileSync(path.join(dir, 'tm.yaml'), 'programs:\n  web:\n    cmd: sleep 1000\n    numprocs: 2\n    starttime: 0\n  idle:\n    cmd: sleep 1000\n    autostart: false\n');
		assert.deepEqual(complete(['tm', 'up', '--config', 'tm.y']), ['tm.yaml']);
		assert.deepEqual(complete(['tm', 'validate', '-c', 'tm.y']), ['tm.yaml']);
		// -n takes a number: nothing to offer.
		assert.deepEqual(complete(['tm', 'logs', '-n', '']), []);
	});

	it('offers no task names, quietly, when no daemon is up', () => {
		installWrapper();
		const started = Date.now();
		assert.deepEqual(complete(['tm', 'start', 'w'], {PATH: `${bin}:${process.env['PATH']}`, TM_HOME: home}), []);
		assert.deepEqual(complete(['tm', 'stop', ''], {PATH: `${bin}:${process.env['PATH']}`, TM_HOME: home}), ['all']);
		assert.ok(Date.now() - started < 20_000);
	});

	describe('with a daemon up', () => {
		let daemon: TmProcess;
		const pids = new Set<number>();
		const env = (): Record<string, string> => ({PATH: `${bin}:${process.env['PATH']}`, TM_HOME: home, TM_COMPLETE_TIMEOUT: '30'});

		before(async () => {
			installWrapper();
			daemon = runTm(['up', '--foreground'], {cwd: dir});
			const status = await waitFor(
				async () => {
					try {
						const client = await RpcClient.connect(path.join(home, 'tm.sock'));
						try {
							return await client.call('status', {});
						} finally {
							await client.close();
						}
					} catch {
						return null;
					}
				},
				doc => doc !== null && doc.tasks.filter(t => t.state === 'running').length === 2,
				{what: 'web:0 and web:1 running', timeout: 30_000, interval: 50},
			);
			for (const task of status?.tasks ?? []) {
				if (task.pid !== null) {
					pids.add(task.pid);
				}
			}
		});

		after(async () => {
			try {
				const client = await RpcClient.connect(path.join(home, 'tm.sock'), {timeoutMs: 2000});
				await client.call('shutdown', {});
				await waitFor(() => alive(daemon.pid), running => !running, {what: 'the daemon to exit', timeout: 15_000});
			} catch {
				// Already gone, or stuck: killed below.
			}

			for (const pid of pids) {
				try {
					process.kill(-pid, 'SIGKILL');
				} catch {
					// already gone
				}
			}

			killAllTm();
		});

		it('completes task and program names from `tm status --json`', () => {
			assert.deepEqual(complete(['tm', 'start', 'w'], env()), ['web', 'web:0', 'web:1']);
			assert.deepEqual(complete(['tm', 'stop', ''], env()), ['all', 'idle', 'web', 'web:0', 'web:1']);
			assert.deepEqual(complete(['tm', 'logs', 'i'], env()), ['idle']);
			// After the signal comes the task.
			assert.deepEqual(complete(['tm', 'signal', 'TERM', 'i'], env()), ['idle']);
			// An option's value does not count as an argument.
			assert.deepEqual(complete(['tm', 'logs', '-n', '5', 'i'], env()), ['idle']);
			// --home on the command line is passed on to status.
			assert.deepEqual(complete(['tm', 'restart', '--home', home, 'i'], {PATH: env()['PATH']!, TM_COMPLETE_TIMEOUT: '30'}), ['idle']);
		});

		it('completes names with a colon the way bash splits them', () => {
			// bash sees `web` `:` `` and replaces only the part after the colon.
			assert.deepEqual(completeLine('tm start web:', env()), ['0', '1']);
			assert.deepEqual(completeLine('tm start web:1', env()), ['1']);
			assert.deepEqual(completeLine('tm start ', env()), ['all', 'idle', 'web', 'web:0', 'web:1']);
		});
	});
});

/** A `tm` on PATH that runs this checkout, as an installed tm would be. */
function installWrapper(): void {
	mkdirSync(bin, {recursive: true});
	const wrapper = path.join(bin, 'tm');
	writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(import.meta.resolve('tsx'))} ${JSON.stringify(path.join(root, 'bin/tm.ts'))} "$@"\n`);
	chmodSync(wrapper, 0o755);
}
