/**
 * Start-up, in both senses: the systemd unit `tm startup` writes (quoting, timeouts, scopes),
 * what a command line loads (lazy commands), and where the single executable puts its addon.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {commands, commandsFor} from '../../src/commands/program.js';
import {envAssignment, execArg, renderUnit, stopTimeoutSec, unitPath, type UnitSpec} from '../../src/commands/startup.js';
import {withoutSystemdVariables} from '../../src/core/daemon/systemd.js';
import {loadConfigText} from '../../src/core/config/load.js';
import type {Config} from '../../src/core/model.js';
import {addonFolders} from '../../src/core/addons.js';

/** The modules of this repository that loading `file` loads: relative imports, static or `import()`, not `import type`. */
function loadedWith(file: string): Set<string> {
	const seen = new Set<string>();
	const visit = (current: string): void => {
		if (seen.has(current)) {
			return;
		}

		seen.add(current);
		const code = readFileSync(current, 'utf8').replaceAll(/^(?:import|export) type [^;]+;/gm, '');
		for (const [, specifier = ''] of code.matchAll(/(?:from|import\()\s*'(\.[^']+)\.js'/g)) {
			const base = path.resolve(path.dirname(current), specifier);
			visit(existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.tsx`);
		}
	};

	visit(path.resolve(import.meta.dirname, '../../src', file));
	return seen;
}

function config(text: string): Config {
	const result = loadConfigText(text, '/srv/app/tm.yaml');
	assert.ok(result.ok, JSON.stringify(result));
	return result.value;
}

const spec: UnitSpec = {
	scope: 'system',
	config: '/srv/app/tm.yaml',
	exec: ['/usr/local/bin/tm', 'up', '--foreground', '--home', '/var/lib/tm', '-c', '/srv/app/tm.yaml'],
	workingDirectory: '/srv/app',
	path: '/usr/bin:/bin',
	user: 'app',
	type: 'notify',
	timeoutStopSec: 90,
};

describe('the systemd unit', () => {
	it('quotes ExecStart arguments only when needed, doubling % and $', () => {
		assert.equal(execArg('/usr/local/bin/tm'), '/usr/local/bin/tm');
		assert.equal(execArg('--home'), '--home');
		assert.equal(execArg('/srv/my app/tm.yaml'), '"/srv/my app/tm.yaml"');
		assert.equal(execArg('50%'), '"50%%"');
		assert.equal(execArg('$HOME'), '"$$HOME"');
		assert.equal(execArg('say "hi" \\ there'), '"say \\"hi\\" \\\\ there"');
		assert.equal(execArg(''), '""');
	});

	it('quotes Environment= assignments, doubling % but not $', () => {
		assert.equal(envAssignment('PATH', '/usr/bin:/bin'), '"PATH=/usr/bin:/bin"');
		assert.equal(envAssignment('PATH', '/opt/100%/bin:$X'), '"PATH=/opt/100%%/bin:$X"');
	});

	it('gives tm the longest stoptime chain along depends_on plus 30 s, and never under 90 s', () => {
		assert.equal(stopTimeoutSec(config('programs:\n  a:\n    cmd: sleep 1\n')), 90);
		const chain = config(
			[
				'programs:',
				'  db:',
				'    cmd: sleep 1',
				'    stoptime: 60',
				'  api:',
				'    cmd: sleep 1',
				'    stoptime: 30',
				'    depends_on: [db]',
				'  web:',
				'    cmd: sleep 1',
				'    stoptime: 20',
				'    depends_on: [api]',
				'  lone:',
				'    cmd: sleep 1',
				'    stoptime: 100',
				'',
			].join('\n'),
		);
		assert.equal(stopTimeoutSec(chain), 60 + 30 + 20 + 30);
	});

	it('a system unit: tm stops the tasks, restarts on failure only, and starts after the network', () => {
		const unit = renderUnit(spec);
		assert.match(unit, /^ExecStart=\/usr\/local\/bin\/tm up --foreground --home \/var\/lib\/tm -c \/srv\/app\/tm\.yaml$/m);
		assert.match(unit, /^Type=notify\nNotifyAccess=all$/m);
		assert.match(unit, /^KillMode=process$/m);
		assert.match(unit, /^Restart=on-failure$/m);
		assert.match(unit, /^User=app$/m);
		assert.match(unit, /^Environment="PATH=\/usr\/bin:\/bin"$/m);
		assert.match(unit, /^After=network-online\.target$/m);
		assert.match(unit, /^WantedBy=multi-user\.target$/m);
	});

	it('a user unit has no User= and no network target; without systemd-notify it is Type=exec', () => {
		const unit = renderUnit({...spec, scope: 'user', user: null, type: 'exec', path: null});
		assert.doesNotMatch(unit, /^(User|Environment|After)=/m);
		assert.match(unit, /^Type=exec$/m);
		assert.doesNotMatch(unit, /NotifyAccess/);
		assert.match(unit, /^WantedBy=default\.target$/m);
	});

	it('goes where systemd looks for it', () => {
		assert.equal(unitPath('system', 'tm', {}), '/etc/systemd/system/tm.service');
		assert.equal(unitPath('user', 'tm', {HOME: '/home/a'}), '/home/a/.config/systemd/user/tm.service');
		assert.equal(unitPath('user', 'web', {HOME: '/home/a', XDG_CONFIG_HOME: '/cfg'}), '/cfg/systemd/user/web.service');
	});

	it('keeps systemd’s variables from the tasks', () => {
		const env = withoutSystemdVariables({PATH: '/bin', NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '1', LISTEN_FDS: '1'});
		assert.deepEqual(env, {PATH: '/bin'});
	});
});

describe('what a command line loads', () => {
	const names = (argv: string[]) => commandsFor(argv).map(entry => entry.name);

	it('nothing for --version, only the named command otherwise', () => {
		assert.deepEqual(names(['--version']), []);
		assert.deepEqual(names(['-V']), []);
		assert.deepEqual(names(['status', '--json']), ['status']);
		assert.deepEqual(names(['--home', '/tmp/status', '--socket', '/x/up', 'logs', '-f', 'web']), ['logs']);
		assert.deepEqual(names(['--home=/h', 'down']), ['down']);
	});

	it('every command for help, no command, or a misspelt one', () => {
		const all = commands.map(entry => entry.name);
		assert.deepEqual(names([]), all);
		assert.deepEqual(names(['--help']), all);
		assert.deepEqual(names(['help', 'up']), all);
		assert.deepEqual(names(['stauts']), all);
	});

	it('tm history reads tm.db without loading the daemon', () => {
		const loaded = [...loadedWith('commands/history.ts')].map(file => path.relative(path.resolve(import.meta.dirname, '../..'), file));
		assert.ok(loaded.includes('src/store/readonly.ts'), loaded.join(', '));
		assert.deepEqual(
			loaded.filter(file => file.startsWith('src/core/daemon/') || file === 'src/core/engine.ts'),
			[],
		);
	});

	it('every command entry loads a register function', async () => {
		for (const entry of commands) {
			assert.equal(typeof (await entry.load()), 'function', entry.name);
		}
	});
});

describe('where the executable writes its SQLite addon', () => {
	it('prefers XDG_CACHE_HOME, else ~/.cache, then XDG_RUNTIME_DIR, then a private temp folder', () => {
		const folders = (env: Record<string, string>) => addonFolders(env, 1000, '/tmp').map(f => `${f.path}${f.shared ? ' (shared)' : ''}`);
		assert.deepEqual(folders({HOME: '/home/a', XDG_CACHE_HOME: '/c', XDG_RUNTIME_DIR: '/run/user/1000'}), [
			'/c/tm/dev',
			'/run/user/1000/tm/dev',
			'/tmp/tm-1000/dev (shared)',
		]);
		assert.deepEqual(folders({HOME: '/home/a', XDG_CACHE_HOME: 'relative'}), ['/home/a/.cache/tm/dev', '/tmp/tm-1000/dev (shared)']);
		assert.deepEqual(folders({}), ['/tmp/tm-1000/dev (shared)']);
	});
});
