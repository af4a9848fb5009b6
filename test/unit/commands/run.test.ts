/**
 * `tm run`'s options become the `run` document, and every mistake names its option and the fix
 * (exit 2) before anything reaches the daemon.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TmError} from '../../../src/core/errors.js';
import {parseBackoff, parseEnv, runParams, waitExitCode} from '../../../src/commands/run.js';
import {tm} from '../../helpers/cli.js';

function usageError(work: () => unknown, pattern: RegExp): void {
	assert.throws(work, (error: unknown) => {
		assert.ok(error instanceof TmError);
		assert.equal(error.code, 'E_USAGE');
		assert.match(error.message, pattern);
		return true;
	});
}

describe('tm run options', () => {
	it('builds the run document, resolving --cwd against the current folder', () => {
		assert.deepEqual(runParams(['sleep', '1'], {}, '/home/me'), {argv: ['sleep', '1'], cwd: '/home/me'});
		assert.deepEqual(
			runParams(
				['sh', '-c', 'exit 3'],
				{
					name: 'backup',
					priority: '-5',
					after: ['a', 'j-1'],
					retries: '3',
					backoff: '2s',
					maxRuntime: '1h30m',
					watchdog: '30',
					maxMemory: '512M',
					cwd: 'sub/dir',
					env: ['A=1', 'B=x=y', 'EMPTY='],
				},
				'/home/me',
			),
			{
				argv: ['sh', '-c', 'exit 3'],
				name: 'backup',
				priority: -5,
				after: ['a', 'j-1'],
				retries: 3,
				backoff: {initialMs: 2000},
				maxRuntimeMs: 5_400_000,
				watchdogMs: 30_000,
				maxMemory: 512 * 1024 * 1024,
				cwd: '/home/me/sub/dir',
				env: {A: '1', B: 'x=y', EMPTY: ''},
			},
		);
		assert.equal(runParams(['x'], {cwd: '/abs'}, '/home/me').cwd, '/abs');
	});

	it('joins the words into one script with --shell', () => {
		assert.deepEqual(runParams(['echo', 'a;', 'exit', '5'], {shell: true}, '/'), {argv: ['echo a; exit 5'], shell: true, cwd: '/'});
	});

	it('reads --backoff as a first delay or as key=value pairs', () => {
		assert.deepEqual(parseBackoff('500ms'), {initialMs: 500});
		assert.deepEqual(parseBackoff('initial=1s,factor=1.5,max=1m,jitter=0.2'), {initialMs: 1000, factor: 1.5, maxMs: 60_000, jitter: 0.2});
		assert.deepEqual(parseBackoff('factor=3'), {factor: 3});
		usageError(() => parseBackoff('fctor=2'), /--backoff: unknown key "fctor"; did you mean "factor"\?/);
		usageError(() => parseBackoff('factor=0.5'), /--backoff factor must be a number ≥ 1/);
		usageError(() => parseBackoff('jitter=2'), /jitter must be a fraction from 0 to 1/);
		usageError(() => parseBackoff('initial=soon'), /--backoff initial: expected a duration/);
		usageError(() => parseBackoff('initial=10s,max=1s'), /max .* is shorter than initial/);
		usageError(() => parseBackoff('later'), /--backoff: expected a duration like 30s/);
		usageError(() => parseBackoff('initial='), /--backoff: expected key=value, got "initial="/);
	});

	it('reads --env NAME=VALUE and names a bad one', () => {
		assert.deepEqual(parseEnv(['PATH=/bin:/usr/bin', 'X=a\nb']), {PATH: '/bin:/usr/bin', X: 'a\nb'});
		usageError(() => parseEnv(['NOVALUE']), /--env takes NAME=VALUE .*got "NOVALUE"/);
		usageError(() => parseEnv(['1X=2']), /got "1X=2"/);
		usageError(() => parseEnv(['=v']), /got "=v"/);
	});

	it('names the option and the fix for every bad value', () => {
		const bad = (options: Parameters<typeof runParams>[1], pattern: RegExp) => usageError(() => runParams(['true'], options, '/'), pattern);
		usageError(() => runParams([], {}, '/'), /give the command after --/);
		bad({priority: 'high'}, /--priority takes a whole number, got "high" \(e.g. --priority 10\)/);
		bad({priority: '1.5'}, /--priority takes a whole number/);
		bad({retries: '-1'}, /--retries takes a whole number ≥ 0, got "-1"/);
		bad({maxRuntime: 'ten'}, /--max-runtime: expected a duration like 30s, 5m or 500ms, got "ten"/);
		bad({maxRuntime: '0s'}, /--max-runtime must be longer than 0/);
		bad({watchdog: '-3s'}, /--watchdog: expected a duration/);
		bad({maxMemory: 'lots'}, /--max-memory: expected a size like 512M/);
		bad({maxMemory: '0'}, /--max-memory must be more than 0/);
		bad({name: 'my job'}, /--name takes letters, digits/);
		bad({label: 'two\nlines'}, /--label: a label is one line of text: no control characters \(found U\+000A at 4\)/);
		bad({label: 'x'.repeat(201)}, /--label: a label has at most 200 characters, got 201/);
	});

	it('takes any printable --label, which the name rule does not touch', () => {
		assert.deepEqual(runParams(['true'], {label: '<img src=x onerror=alert(1)> nightly «backup»'}, '/'), {argv: ['true'], label: '<img src=x onerror=alert(1)> nightly «backup»', cwd: '/'});
		assert.deepEqual(runParams(['true'], {label: ''}, '/'), {argv: ['true'], cwd: '/'}, 'an empty label is none');
	});

	it('exits with the job\'s code; 1 when it did not complete without a code of its own', () => {
		assert.equal(waitExitCode({state: 'failed', exitCode: 3}), 3);
		assert.equal(waitExitCode({state: 'completed', exitCode: 0}), 0);
		assert.equal(waitExitCode({state: 'completed', exitCode: null}), 0);
		assert.equal(waitExitCode({state: 'failed', exitCode: null}), 1);
		assert.equal(waitExitCode({state: 'stopped', exitCode: null}), 1);
		assert.equal(waitExitCode({state: 'stopped', exitCode: 0}), 1, 'cancelled, even when its TERM handler exited 0');
		assert.equal(waitExitCode({state: 'stopped', exitCode: 143}), 143);
	});

	it('reports bad usage with exit 2 before it looks for a daemon', async () => {
		const home = '/nonexistent-tm-home';
		const result = await tm(['--home', home, 'run', '--env', 'NOPE', '--', 'true']);
		assert.equal(result.code, 2);
		assert.match(result.err, /--env takes NAME=VALUE/);
		const json = await tm(['--home', home, '--json', 'run', '--cwd', '/nonexistent-dir', '--', 'true']);
		assert.equal(json.code, 2);
		assert.deepEqual(JSON.parse(json.err), {error: {code: 'E_USAGE', message: '--cwd: no such directory: /nonexistent-dir'}});
		const missing = await tm(['--home', home, 'run']);
		assert.equal(missing.code, 2);
		assert.match(missing.err, /give the command after --/);
		const down = await tm(['--home', home, 'run', '--', 'true']);
		assert.equal(down.code, 3);
	});
});
