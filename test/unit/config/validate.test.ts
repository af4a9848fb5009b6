import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import type {ConfigIssue} from '../../../src/core/config/issue.js';
import {loadConfigText} from '../../../src/core/config/load.js';
import type {Config, ProgramSpec} from '../../../src/core/model.js';

const seedFile = '/work/shared/seeds/002_079d2f57c0748758.txt';
const fixture = new URL('../../fixtures/config/five-mistakes.yaml', import.meta.url);

/** The Taskmaster config of the seed: the text between "```yaml" and the next "```". */
function seedYaml(): string {
	const match = /```yaml\n([\s\S]*?)```/.exec(readFileSync(seedFile, 'utf8'));
	assert.ok(match?.[1], 'the seed has a yaml block');
	return match[1];
}

function load(text: string): Config {
	const result = loadConfigText(text, '/etc/tm/tm.yaml');
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.error, null, 2));
	return result.value;
}

function issues(text: string): ConfigIssue[] {
	const result = loadConfigText(text, 'tm.yaml');
	assert.equal(result.ok, false, 'the config should be refused');
	return result.ok ? [] : result.error;
}

function program(text: string, name = 'web'): ProgramSpec {
	const found = load(text).programs.find((candidate) => candidate.name === name);
	assert.ok(found);
	return found;
}

/** The issues as `line:col path: message`, for compact assertions. */
function brief(list: readonly ConfigIssue[]): string[] {
	return list.map((issue) => `${issue.line}:${issue.col} ${issue.path}: ${issue.message}`);
}

describe('the Taskmaster seed config', () => {
	test('loads unchanged, with every key understood', () => {
		const config = load(seedYaml());
		assert.equal(config.programs.length, 1);
		const [teste] = config.programs;
		assert.ok(teste);
		assert.equal(teste.name, 'teste');
		assert.deepEqual(teste.argv, ['/home/user/Desktop/taskmaster/exec_teste/teste']);
		assert.equal(teste.umask, 0o22);
		assert.deepEqual(teste.exitcodes, [0, 2]);
		assert.equal(teste.autorestart, 'never');
		assert.equal(teste.autostart, true);
		assert.equal(teste.startretries, 3);
		assert.equal(teste.starttimeMs, 5000);
		assert.equal(teste.stopsignal, 'SIGTERM');
		assert.equal(teste.stoptimeMs, 10_000);
		assert.equal(teste.workingdir, '/home/user/Desktop/taskmaster');
		assert.equal(teste.stdout, '/home/user/Desktop/taskmaster/logs/teste.out.log');
		assert.deepEqual(teste.env, {STARTED_BY: 'taskmaster', ANSWER: '42'});
		assert.equal(teste.user, 'user', 'the daemon uid is the default user');
		assert.equal(teste.group, 'user');
	});

	test('its taskmaster section fills the daemon spec', () => {
		const {daemon} = load(seedYaml());
		assert.equal(daemon.logfile, '/etc/tm/logs/taskmasterd.log', 'relative to the config file');
		assert.equal(daemon.email, 'example@gmail.com');
		assert.equal(daemon.uid, 'user');
		assert.equal(daemon.gid, 'user');
		assert.deepEqual(daemon.smtp, {host: 'localhost', port: 25, secure: false, user: null, pass: null, from: null});
	});
});

describe('every problem at once', () => {
	test('five mistakes in five places give five issues, each with line, column and path', () => {
		const found = issues(readFileSync(fixture, 'utf8'));
		assert.deepEqual(brief(found), [
			'4:16 taskmaster.max_running: expected a number of slots of at least 1, or an adaptive pool (e.g. max_running: {min: 2, max: 16}), got 0',
			'9:5 programs.web.stoptme: unknown key; did you mean "stoptime"?',
			'12:15 programs.worker.stoptime: expected a duration like 30s, 5m or 500ms, got "ten"',
			'13:17 programs.worker.stopsignal: expected a signal name like TERM, HUP or SIGKILL, got "TREM"; did you mean "TERM"?',
			'14:20 programs.worker.exitcodes[1]: expected an integer from 0 to 255, got 256',
		]);
		assert.ok(found.every((issue) => issue.file === 'tm.yaml'));
	});

	test('YAML syntax errors are issues with their position', () => {
		const found = issues('programs:\n  web:\n    cmd: "unterminated\n');
		assert.equal(found.length, 1);
		assert.equal(found[0]?.path, '');
		assert.match(found[0]?.message ?? '', /^invalid YAML: /);
		assert.equal(found[0]?.line, 4);
	});

	test('duplicate keys are issues at the second key', () => {
		const found = issues('programs:\n  web:\n    cmd: a\n    cmd: b\n  web:\n    cmd: c\n');
		assert.deepEqual(brief(found), [
			'4:5 programs.web.cmd: duplicate key; first set at line 3',
			'5:3 programs.web: duplicate key; first set at line 2',
		]);
	});
});

describe('keys and names', () => {
	test('an unknown key gets a did-you-mean', () => {
		assert.deepEqual(brief(issues('programs:\n  web:\n    cmd: a\n    numproc: 2\n')), [
			'4:5 programs.web.numproc: unknown key; did you mean "numprocs"?',
		]);
		assert.deepEqual(brief(issues('program:\n  web: {cmd: a}\n')), ['1:1 program: unknown key; did you mean "programs"?']);
	});

	test('an unknown key far from any lists the keys when they are few', () => {
		assert.deepEqual(brief(issues('programs:\n  web:\n    cmd: a\n    backoff: {speed: 2}\n')), [
			'4:15 programs.web.backoff.speed: unknown key; expected one of initial, factor, max, jitter, reset_after',
		]);
	});

	test('cmd is required and program names are checked', () => {
		assert.deepEqual(brief(issues('programs:\n  web:\n    numprocs: 2\n  "-bad":\n    cmd: a\n')), [
			'2:3 programs.web.cmd: missing; every program needs the command to run, e.g. cmd: "/usr/bin/python3 -m http.server 8080"',
			'4:3 programs.-bad: invalid program name "-bad"; use letters, digits, "_", "." and "-", starting with a letter or a digit',
		]);
	});

	test('an empty file, or one with only comments, is a config with no programs', () => {
		for (const text of ['', '# nothing yet\n', 'programs:\n', 'taskmaster:\nprograms: {}\n']) {
			const config = load(text);
			assert.deepEqual(config.programs, []);
			assert.equal(config.daemon.smtp, null);
		}
	});

	test('a program must be a map', () => {
		assert.deepEqual(brief(issues('programs:\n  web: ./serve\n')), ['2:8 programs.web: expected a map of keys, got "./serve"']);
	});

	test('the top level must be a map', () => {
		assert.deepEqual(brief(issues('- web\n')), ['1:1 : expected a map with taskmaster: and programs: keys, got a list']);
	});
});

describe('commands', () => {
	test('cmd is split into argv without a shell and without expansion', () => {
		const web = program('programs:\n  web:\n    cmd: python3 -m http.server "8080" --dir \'$HOME/a b\' $PORT\n');
		assert.deepEqual(web.argv, ['python3', '-m', 'http.server', '8080', '--dir', '$HOME/a b', '$PORT']);
		assert.equal(web.shell, false);
	});

	test('shell: true runs through /bin/sh -c', () => {
		const web = program('programs:\n  web:\n    cmd: "echo hi | tee out && ls *.txt"\n    shell: true\n');
		assert.deepEqual(web.argv, ['/bin/sh', '-c', 'echo hi | tee out && ls *.txt']);
	});

	test('shell operators without shell: true are an issue', () => {
		const cases: Array<[string, string]> = [
			['echo hi | tee out', '"|"'],
			['make && make install', '"&&"'],
			['run > out.log', '">"'],
			['ls *.txt', '"*.txt"'],
			['serve # the server', '"# the server"'],
		];
		for (const [cmd, token] of cases) {
			const [issue, ...rest] = issues(`programs:\n  web:\n    cmd: ${JSON.stringify(cmd)}\n`);
			assert.equal(rest.length, 0);
			assert.equal(issue?.path, 'programs.web.cmd');
			assert.equal(issue?.line, 3);
			assert.match(issue?.message ?? '', /shell syntax/);
			assert.ok(issue?.message.includes(token), `${issue?.message} names ${token}`);
			assert.match(issue?.message ?? '', /shell: true/);
		}
	});
});

describe('values', () => {
	test('umask is always octal, quoted or not', () => {
		for (const [written, mask] of [
			['022', 0o22],
			['"022"', 0o22],
			['22', 0o22],
			['0o22', 0o22],
			['077', 0o77],
			["'077'", 0o77],
		] as const) {
			assert.equal(program(`programs:\n  web:\n    cmd: a\n    umask: ${written}\n`).umask, mask, written);
		}

		assert.deepEqual(brief(issues('programs:\n  web:\n    cmd: a\n    umask: 089\n')), [
			'4:12 programs.web.umask: expected an octal umask like 022 or 077, got "089"',
		]);
	});

	test('autorestart words', () => {
		for (const [written, policy] of [
			['true', 'always'],
			['"true"', 'always'],
			['false', 'never'],
			['"false"', 'never'],
			['unexpected', 'unexpected'],
			['always', 'always'],
			['never', 'never'],
		] as const) {
			assert.equal(program(`programs:\n  web:\n    cmd: a\n    autorestart: ${written}\n`).autorestart, policy);
		}

		assert.equal(issues('programs:\n  web:\n    cmd: a\n    autorestart: sometimes\n')[0]?.path, 'programs.web.autorestart');
	});

	test('exitcodes may be one code', () => {
		assert.deepEqual(program('programs:\n  web:\n    cmd: a\n    exitcodes: 1\n').exitcodes, [1]);
	});

	test('env values are scalars kept as written; null, maps and lists are issues', () => {
		const web = program('programs:\n  web:\n    cmd: a\n    env: {N: 42, HEX: 0x1F, F: 1.50, B: true, S: "x"}\n');
		assert.deepEqual(web.env, {N: '42', HEX: '0x1F', F: '1.50', B: 'true', S: 'x'});
		assert.deepEqual(
			issues('programs:\n  web:\n    cmd: a\n    env:\n      A:\n      B: [1]\n      C: {d: 1}\n').map((issue) => issue.path),
			['programs.web.env.A', 'programs.web.env.B', 'programs.web.env.C'],
		);
	});

	test('the extensions parse into the spec', () => {
		const text = `programs:
  db:
    cmd: postgres
  web:
    cmd: ./serve
    user: 1000
    priority: 100
    depends_on: {db: ready}
    ready: "line: listening on \\\\d+"
    watchdog: 30s
    max_runtime: 2h
    max_memory: 512M
    stuck: {cpu_below: 1%, for: 10m}
    backoff: {initial: 500ms, max: 30s}
    log: {max_size: 0, backups: 2, timestamps: true}
    schedule: "*/15 * * * *"
`;
		const web = program(text);
		assert.equal(web.user, '1000');
		assert.equal(web.priority, 100);
		assert.deepEqual(web.dependsOn, {db: 'ready'});
		assert.deepEqual(web.ready, {kind: 'line', pattern: 'listening on \\d+'});
		assert.equal(web.watchdogMs, 30_000);
		assert.equal(web.maxRuntimeMs, 7_200_000);
		assert.equal(web.maxMemory, 512 * 1024 * 1024);
		assert.deepEqual(web.stuck, {cpuBelowPercent: 1, forMs: 600_000});
		assert.deepEqual(web.backoff, {initialMs: 500, factor: 2, maxMs: 30_000, jitter: 0.2, resetAfterMs: 60_000});
		assert.deepEqual(web.log, {maxSize: 0, backups: 2, timestamps: true});
		assert.equal(web.schedule, '*/15 * * * *');
	});

	test('defaults fill what is left out', () => {
		const web = program('programs:\n  web:\n    cmd: a\n');
		assert.equal(web.numprocs, 1);
		assert.equal(web.umask, null);
		assert.equal(web.autorestart, 'unexpected');
		assert.deepEqual(web.exitcodes, [0]);
		assert.equal(web.starttimeMs, 1000);
		assert.equal(web.stoptimeMs, 10_000);
		assert.deepEqual(web.ready, {kind: 'none'});
		assert.equal(web.user, null);
		assert.equal(web.stuck, null);
	});

	test('max_restarts and heartbeat_interval: off by default, both keys of max_restarts needed', () => {
		const web = program('programs:\n  web:\n    cmd: a\n    max_restarts: {count: 10, within: 5m}\n    heartbeat_interval: 2s\n');
		assert.deepEqual(web.maxRestarts, {count: 10, withinMs: 300_000});
		assert.equal(web.heartbeatIntervalMs, 2000);
		const plain = program('programs:\n  web:\n    cmd: a\n');
		assert.equal(plain.maxRestarts, null);
		assert.equal(plain.heartbeatIntervalMs, null);
		assert.deepEqual(brief(issues('programs:\n  web:\n    cmd: a\n    max_restarts: {count: 0, within: 0}\n  api:\n    cmd: b\n    max_restarts: {count: 3}\n')), [
			'4:27 programs.web.max_restarts.count: expected an integer of at least 1, got 0',
			'4:38 programs.web.max_restarts.within: must be longer than 0 (e.g. max_restarts: {count: 10, within: 5m}; leave max_restarts out for no limit)',
			'7:5 programs.api.max_restarts.within: missing: the window they are counted in, e.g. max_restarts: {count: 10, within: 5m}',
		]);
	});

	test('max_cpu: CPUs as a number, 0 is off; anything else names the key and the form', () => {
		assert.equal(program('programs:\n  web:\n    cmd: a\n    max_cpu: 1.5\n').maxCpu, 1.5);
		assert.equal(program('programs:\n  web:\n    cmd: a\n    max_cpu: 0\n').maxCpu, null);
		assert.equal(program('programs:\n  web:\n    cmd: a\n').maxCpu, null);
		assert.deepEqual(brief(issues('programs:\n  web:\n    cmd: a\n    max_cpu: lots\n  api:\n    cmd: b\n    max_cpu: 0.001\n')), [
			'4:14 programs.web.max_cpu: expected a number of CPUs like 1.5 (0: no limit), got "lots"',
			'7:14 programs.api.max_cpu: expected at least 0.01 CPU (or 0: no limit), got 0.001',
		]);
	});

	test('bad regexes, cron expressions and ready words are issues', () => {
		const found = issues('programs:\n  web:\n    cmd: a\n    ready: "line: (("\n    schedule: "every day"\n  api:\n    cmd: b\n    ready: soon\n');
		assert.deepEqual(
			found.map((issue) => issue.path),
			['programs.web.ready', 'programs.web.schedule', 'programs.api.ready'],
		);
		assert.match(found[0]?.message ?? '', /does not compile/);
	});
});

describe('dependencies', () => {
	test('a list means "started"', () => {
		const web = program('programs:\n  db: {cmd: a}\n  cache: {cmd: b}\n  web:\n    cmd: c\n    depends_on: [db, cache]\n');
		assert.deepEqual(web.dependsOn, {db: 'started', cache: 'started'});
	});

	test('an unknown program gets a did-you-mean', () => {
		assert.deepEqual(brief(issues('programs:\n  db: {cmd: a}\n  web:\n    cmd: c\n    depends_on: [dbb]\n')), [
			'5:18 programs.web.depends_on[0]: unknown program "dbb"; did you mean "db"?',
		]);
	});

	test('a bad condition is an issue', () => {
		assert.deepEqual(brief(issues('programs:\n  db: {cmd: a}\n  web:\n    cmd: c\n    depends_on: {db: healthy}\n')), [
			'5:22 programs.web.depends_on.db: expected one of started, ready, completed, succeeded, got "healthy"',
		]);
	});

	test('a dependency cycle is named', () => {
		const text = `programs:
  a:
    cmd: x
    depends_on: [b]
  b:
    cmd: x
    depends_on: {c: ready}
  c:
    cmd: x
    depends_on: [a]
`;
		assert.deepEqual(brief(issues(text)), ['4:17 programs.a.depends_on: dependency cycle a → b → c → a']);
	});

	test('a program depending on itself is a cycle', () => {
		assert.deepEqual(brief(issues('programs:\n  a:\n    cmd: x\n    depends_on: [a]\n')), [
			'4:17 programs.a.depends_on: dependency cycle a → a',
		]);
	});
});

describe('the taskmaster section', () => {
	test('the extensions parse', () => {
		const {daemon} = load(`taskmaster:
  uid: 1000
  gid: 1000
  http: 127.0.0.1:4242
  max_running: 8
  retention: {finished: 1d}
  heartbeat_interval: 5s
  task_timeout: 1m
  cleanup_interval: 10m
  email: ops@example.com
  smtp: {host: mail.example.com, secure: true}
programs:
  web: {cmd: a}
`);
		assert.equal(daemon.uid, '1000');
		assert.equal(daemon.http, '127.0.0.1:4242');
		assert.equal(daemon.httpToken, null);
		assert.equal(daemon.maxRunning, 8);
		assert.deepEqual(daemon.retention, {finishedMs: 86_400_000, historyMs: 30 * 86_400_000});
		assert.equal(daemon.heartbeatIntervalMs, 5000);
		assert.equal(daemon.taskTimeoutMs, 60_000);
		assert.equal(daemon.cleanupIntervalMs, 600_000);
		assert.deepEqual(daemon.smtp, {host: 'mail.example.com', port: 465, secure: true, user: null, pass: null, from: null});
	});

	test('http on a non-loopback address needs http_token', () => {
		assert.deepEqual(brief(issues('taskmaster:\n  http: 0.0.0.0:4242\n')), [
			'2:9 taskmaster.http: binds 0.0.0.0, which other machines can reach; set taskmaster.http_token too, or bind 127.0.0.1',
		]);
		assert.equal(load('taskmaster:\n  http: 0.0.0.0:4242\n  http_token: s3cret\n').daemon.httpToken, 's3cret');
		for (const address of ['localhost:80', '127.0.0.2:80', '"[::1]:8080"']) {
			assert.equal(load(`taskmaster:\n  http: ${address}\n`).daemon.httpToken, null);
		}
	});

	test('cgroups: auto (the default) or off; anything else names the key and the words', () => {
		assert.equal(load('programs: {}\n').daemon.cgroups, 'auto');
		for (const [written, value] of [['off', 'off'], ['false', 'off'], ['auto', 'auto'], ['true', 'auto']]) {
			assert.equal(load(`taskmaster:\n  cgroups: ${written}\n`).daemon.cgroups, value, written);
		}

		assert.deepEqual(brief(issues('taskmaster:\n  cgroups: v1\n')), ['2:12 taskmaster.cgroups: expected auto or off, got "v1"']);
	});

	test('a bare port binds 127.0.0.1', () => {
		assert.equal(load('taskmaster:\n  http: 4242\n').daemon.http, '127.0.0.1:4242');
	});

	test('a logfile brings the log view on 127.0.0.1:4242 unless http says otherwise; http: off turns it off', () => {
		const withLog = load('taskmaster:\n  logfile: ./tmd.log\n').daemon;
		assert.equal(withLog.http, '127.0.0.1:4242');
		assert.equal(withLog.httpDefault, true);
		assert.equal(load('taskmaster:\n  email: ops@example.com\n').daemon.http, null, 'no logfile, no view');
		for (const off of ['off', 'false', '']) {
			const daemon = load(`taskmaster:\n  logfile: ./tmd.log\n  http: ${off}\n`).daemon;
			assert.equal(daemon.http, null, `http: ${off}`);
			assert.equal(daemon.httpDefault, undefined, `http: ${off}`);
		}

		const written = load('taskmaster:\n  logfile: ./tmd.log\n  http: 127.0.0.1:8000\n').daemon;
		assert.deepEqual([written.http, written.httpDefault], ['127.0.0.1:8000', undefined]);
		assert.deepEqual(brief(issues('taskmaster:\n  http: on\n')), ['2:9 taskmaster.http: expected host:port like 127.0.0.1:4242, or off, got "on"']);
	});

	test('a malformed http address is an issue', () => {
		for (const address of ['4242x', 'host:0', 'host:70000', 'host']) {
			assert.equal(issues(`taskmaster:\n  http: ${address}\n`)[0]?.path, 'taskmaster.http', address);
		}
	});
});

describe('anchors', () => {
	test('a merged anchor shares settings between programs', () => {
		const config = load('programs:\n  web: &base\n    cmd: a\n    stoptime: 3\n  api:\n    <<: *base\n    cmd: b\n');
		assert.deepEqual(
			config.programs.map((spec) => [spec.name, spec.cmd, spec.stoptimeMs]),
			[
				['web', 'a', 3000],
				['api', 'b', 3000],
			],
		);
	});
});
